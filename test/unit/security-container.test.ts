import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// The container runs as a numeric non-root user on a read-only root filesystem with nothing
// extra: checked in manifests/deployment.yaml and the Dockerfile. test/e2e/security.test.ts
// runs the controller that way (read-only filesystem but for its cache and temp dirs).

const root = new URL('../../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  securityContext?: Record<string, unknown>;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  containers: Container[];
  initContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
}

const deployment = parseAllDocuments(read('manifests/deployment.yaml'))
  .map((d) => d.toJS() as { kind: string; spec: { template: { spec: PodSpec } } })
  .find((d) => d.kind === 'Deployment');
const pod = deployment?.spec.template.spec as PodSpec;
const containers = [...pod.containers, ...(pod.initContainers ?? [])];

/** Where a path lands: the mount holding it and that mount's volume. */
function mountOf(c: Container, path: string) {
  const mounts = (c.volumeMounts ?? []).filter(
    (m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`),
  );
  const mount = mounts.sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  return { mount, volume: pod.volumes?.find((v) => v.name === mount?.name) };
}

describe('manifests/deployment.yaml security context', () => {
  it('runs the pod as a numeric non-root user and group with the RuntimeDefault seccomp profile', () => {
    const sc = pod.securityContext ?? {};
    expect(sc.runAsNonRoot).toBe(true);
    expect(Number.isInteger(sc.runAsUser) && (sc.runAsUser as number) > 0).toBe(true);
    expect(Number.isInteger(sc.runAsGroup) && (sc.runAsGroup as number) > 0).toBe(true);
    expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect([pod.hostNetwork, pod.hostPID, pod.hostIPC]).toEqual([undefined, undefined, undefined]);
    expect(pod.volumes?.filter((v) => 'hostPath' in v)).toEqual([]);
  });

  it.each(containers.map((c) => [c.name, c] as const))(
    'container %s: non-root, read-only root, no privilege escalation, no capabilities',
    (_name, c) => {
      const sc = c.securityContext ?? {};
      expect(sc).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(Number.isInteger(sc.runAsUser ?? pod.securityContext?.runAsUser)).toBe(true);
      expect((sc.capabilities as { add?: string[] }).add ?? []).toEqual([]);
      expect(sc.privileged ?? false).toBe(false);
    },
  );

  it('gives every place the controller writes a writable, size-limited emptyDir', () => {
    const c = pod.containers.find((x) => x.name === 'controller') as Container;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    const cacheDir = c.args?.find((a) => a.startsWith('--cache-dir='))?.slice('--cache-dir='.length);
    // The git cache, $HOME (git and ssh), and the temp dir (ssh keys while a fetch runs).
    const written = { cacheDir, HOME: env.HOME, TMPDIR: env.TMPDIR ?? '/tmp' };
    for (const [what, path] of Object.entries(written)) {
      expect(path, `${what} is set`).toBeDefined();
      expect(posix.isAbsolute(path as string), what).toBe(true);
      const { mount, volume } = mountOf(c, path as string);
      expect(mount, `${what} (${path}) is on a volume`).toBeDefined();
      expect(mount?.readOnly ?? false, what).toBe(false);
      expect(volume?.emptyDir, `${what} is an emptyDir`).toMatchObject({ sizeLimit: expect.any(String) });
    }
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const lines = text.split('\n').map((l) => l.trim());
  const args = Object.fromEntries(
    lines.flatMap((l) => {
      const m = /^ARG\s+([A-Za-z_]+)=(\S+)/.exec(l);
      return m ? [[m[1], m[2]]] : [];
    }),
  ) as Record<string, string>;
  const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? `\${${n}}`);
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages.at(-1) ?? '';

  it('runs the final stage as the numeric non-root uid the Deployment uses, which has a passwd entry', () => {
    const user = /^USER\s+(\S+)/m.exec(final)?.[1] ?? '';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(uid).toBe(pod.securityContext?.runAsUser);
    if (gid !== undefined) expect(gid).toBe(pod.securityContext?.runAsGroup);
    // ssh exits with "No user exists for uid N" otherwise, and ssh fetches fail.
    expect(final).toMatch(new RegExp(`useradd[^\\n]*--uid ${uid}\\b`));
    expect(final.indexOf('useradd')).toBeLessThan(final.search(/^USER /m));
  });

  it('pins every base image to a full version, never latest', () => {
    const images = lines.filter((l) => l.startsWith('FROM ')).map((l) => expand(l.split(/\s+/)[1] ?? ''));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      expect(image, image).not.toMatch(/\$\{|:latest\b/);
      expect(image, `${image} names an exact x.y.z version or a digest`).toMatch(
        /:\d+\.\d+\.\d+[-\w.]*$|@sha256:[0-9a-f]{64}$/,
      );
    }
  });

  it('takes no secret as a build argument or environment variable, and fetches nothing with ADD', () => {
    const names = lines.flatMap((l) => {
      const m = /^(ARG|ENV)\s+(.*)$/.exec(l);
      return m ? [...(m[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((x) => x[1] ?? '') : [];
    });
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).not.toMatch(/secret|token|passw|key|credential|auth/i);
    expect(lines.filter((l) => /^ADD\s/.test(l))).toEqual([]);
    expect(text).not.toMatch(/--mount=type=secret/);
  });

  it('sends only the controller and the npm manifests to the build', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    expect(ignore.filter((l) => l.startsWith('!')).sort()).toEqual([
      '!controller/',
      '!package-lock.json',
      '!package.json',
    ]);
  });

  it('keeps $HOME on the writable volume and starts node directly', () => {
    expect(final).toMatch(/^ENV[^\n]*HOME=\/tmp\b/m);
    // Node.js flags between the two (test/unit/node-flags.test.ts), no shell.
    expect(final).toMatch(/^ENTRYPOINT \["node", (?:"--[\w-]+=\w+", )*"controller\/main\.ts"\]$/m);
  });
});
