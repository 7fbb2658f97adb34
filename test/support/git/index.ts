// Real git servers on loopback for integration and end-to-end tests.
export { GitCommandError, runGit } from './git-command.ts';
export { type GitDaemon, startGitDaemon } from './git-daemon.ts';
export { GIT_TRANSPORTS, type GitServers, type ServedRepo, startGitServers } from './git-servers.ts';
export { GitServerStartError } from './process.ts';
export { createBareRepo, lsRemote, WorkTree } from './repos.ts';
export { startGitHttpServer } from './smart-http.ts';
export { generateEd25519Key, sshCommand } from './sshd.ts';
