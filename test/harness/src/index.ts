export {
  clientUrl,
  configPath,
  type MeshPlanOptions,
  planMesh,
  renderServerConfig,
  type ServerAuth,
  type ServerSpec,
  storeDir,
} from './config.ts';
export { type MeshOptions, NatsMesh, startCluster, startMesh, startServer, startSuperCluster, waitForJetStream } from './mesh.ts';
export { freePorts } from './ports.ts';
export { NatsServer } from './server.ts';
