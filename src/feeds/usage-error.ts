/** A flag or kubeconfig choice the user must fix: the watch command stops with exit code 2 and this message. */
export class UsageError extends Error {}
