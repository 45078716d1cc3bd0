import { execFileSync } from 'node:child_process';

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian packages some tests need (kcat: the external Kafka client ERP integrators use). Installed
 * with apt-get when missing and we are root, like the local PostgreSQL is started when down.
 */
export function ensureDebianTools(tools: Record<string, string> = { kcat: 'kcat' }): void {
  const missing = Object.entries(tools).filter(([command]) => !onPath(command));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0 || !onPath('apt-get')) {
    throw new Error(`tests need ${missing.map(([c]) => c).join(', ')}: install the Debian package(s) ${packages.join(' ')}`);
  }
  execFileSync('apt-get', ['update', '-q'], { stdio: 'pipe' });
  execFileSync('apt-get', ['install', '-y', '-q', ...packages], { stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
