// Real git servers on loopback for integration and end-to-end tests.
export { GIT_BIN, GIT_IDENTITY, GitCommandError, type GitOutput, gitEnv, runGit } from './git-command.ts';
export { type GitDaemon, type GitDaemonOptions, startGitDaemon } from './git-daemon.ts';
export {
  GIT_TRANSPORTS,
  type GitServers,
  type GitTransport,
  type ServedRepo,
  type StartGitServersOptions,
  startGitServers,
} from './git-servers.ts';
export { GitServerStartError } from './process.ts';
export {
  type BareRepo,
  createBareRepo,
  type FileChanges,
  type GitRemote,
  lsRemote,
  type PushOptions,
  WorkTree,
  type WorkTreeOptions,
} from './repos.ts';
export {
  type GitHttpServer,
  type GitHttpServerOptions,
  type HttpRequestRecord,
  startGitHttpServer,
} from './smart-http.ts';
export { generateEd25519Key, type Sshd, type SshdOptions, sshCommand, startSshd } from './sshd.ts';
