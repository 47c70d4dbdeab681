// Which clusters `imagescope watch kubernetes` watches, and the cluster ARN each one's pods are
// stored under. Kubeconfig from --kubeconfig, else KUBECONFIG, else ~/.kube/config; its current
// context unless --context or --all-contexts. A context's cluster ARN is its name when that is an EKS
// cluster ARN (what `aws eks update-kubeconfig` writes), else --cluster-arn CONTEXT=ARN; in a pod
// (--in-cluster) the service account's credentials and --cluster-arn ARN.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../usage-error.ts';
import type { ClusterTarget } from './cluster-feed.ts';

export interface TargetFlags {
  kubeconfig?: string;
  context: string[];
  allContexts?: boolean;
  inCluster?: boolean;
  clusterArn: string[];
}


const eksClusterArn = /^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function clusterTargets(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): ClusterTarget[] {
  const plainArns = flags.clusterArn.filter((a) => !a.includes('='));
  const arnOfContext = new Map(flags.clusterArn.filter((a) => a.includes('=')).map((a) => [a.slice(0, a.lastIndexOf('=')), a.slice(a.lastIndexOf('=') + 1)]));
  if (flags.inCluster) {
    if (plainArns.length !== 1) throw new UsageError('--in-cluster needs the cluster ARN: --cluster-arn arn:aws:eks:<region>:<account>:cluster/<name>');
    const kc = new KubeConfig();
    kc.loadFromCluster();
    return [{ context: 'in-cluster', clusterArn: plainArns[0], kc }];
  }
  const load = () => {
    const kc = new KubeConfig();
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
    return kc;
  };
  const file = flags.kubeconfig ?? env.KUBECONFIG ?? `${homedir()}/.kube/config`;
  if (!file.split(':').some((path) => existsSync(path))) throw new UsageError(`no kubeconfig at ${file}: pass --kubeconfig PATH, set KUBECONFIG, or use --in-cluster`);
  const available = load().getContexts().map((c) => c.name);
  const wanted = flags.allContexts ? available : flags.context.length ? flags.context : [load().getCurrentContext()];
  const known = `contexts available: ${available.join(', ') || '(none)'}`;
  for (const name of wanted) if (!available.includes(name)) throw new UsageError(`unknown context '${name}' in ${file}; ${known}`);
  if (wanted.length === 0) throw new UsageError(`no context to watch in ${file}; ${known}`);
  for (const context of arnOfContext.keys()) if (!wanted.includes(context)) throw new UsageError(`--cluster-arn names context '${context}', which is not watched; ${known}`);
  if (plainArns.length > 1 || (plainArns.length === 1 && wanted.length > 1)) throw new UsageError('with several contexts, give each its ARN: --cluster-arn CONTEXT=ARN');
  return wanted.map((context) => {
    const clusterArn = arnOfContext.get(context) ?? plainArns[0] ?? (eksClusterArn.test(context) ? context : undefined);
    if (!clusterArn) throw new UsageError(`context '${context}' is not named by an EKS cluster ARN: pass --cluster-arn ${context}=arn:aws:eks:<region>:<account>:cluster/<name>; ${known}`);
    if (!eksClusterArn.test(clusterArn)) throw new UsageError(`cluster ARN '${clusterArn}' of context '${context}' must look like arn:aws:eks:<region>:<account>:cluster/<name>`);
    const kc = load();
    kc.setCurrentContext(context);
    return { context, clusterArn, kc };
  });
}
