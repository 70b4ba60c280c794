// Side-effect entry: starts telemetry before the application is imported, either as
// `node --import @wamesh/telemetry/register main.ts` (needed for instrumentations that
// patch modules, e.g. mongodb) or as the first import of a main. Service name from
// OTEL_SERVICE_NAME, region from WAMESH_REGION. The main gets the handle with getTelemetry().
import { registerOptionsFromEnv } from './env.ts';
import { startTelemetry } from './sdk.ts';

startTelemetry(registerOptionsFromEnv());
