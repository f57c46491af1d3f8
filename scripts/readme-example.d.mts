export function readmeExample(readmePath: string): string;
export function supportedNodes(): string[];
export function runReadmeExample(
  packageDirs: string[],
  options?: { nodes?: string[]; timeoutMs?: number },
): { stdout: string[]; manifests: Record<string, { name: string; version: string; dependencies?: Record<string, string>; peerDependencies?: Record<string, string>; exports?: unknown; files?: string[] }> };
