export { startEmbeddedServer, type EmbeddedServerOptions, type StartedEmbeddedServer } from './server.js';
export {
  PROFILES,
  SERVER_PROFILES,
  isServerProfile,
  profileBehaviour,
  type ProfileBehaviour,
  type ProfileInfo,
  type ServerProfile,
} from './profiles.js';
export { INITIAL_EVENTS_END_ANNOTATION } from './wire.js';
export { renderKubeconfig, DEFAULT_CONTEXT_NAME, type KubeconfigParams } from './kubeconfig.js';
export type { ResourceName } from './resources.js';
export { SEND_TIME_ANNOTATION, SEND_TIME_PLACEHOLDER } from './send-time-stamp.js';
