// Test helpers other packages' tests share (`@wamesh/store/testing`); not part of the runtime surface.
export { describeSkipped } from './skip.ts';
export { type TestMongo, useMongo } from './mongo.ts';
