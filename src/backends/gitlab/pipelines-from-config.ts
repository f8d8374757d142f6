/**
 * Builds the PipelinePort from the `pipelines:` config: one Jenkins or GitLab backend per named
 * pipeline (both kinds are wired here, next to the GitLab backend that also needs the event hub).
 */
import type { PipelineConfig, PipelinesConfig } from '../../config/types.js';
import type { Conversation, Principal } from '../../core/identity.js';
import type { PipelineInfo } from '../../core/pipelines/catalog.js';
import type { PipelineEventHub } from '../../core/pipelines/events.js';
import { createPipelinePort, type ConfiguredPipeline } from '../../core/pipelines/pipeline-port.js';
import type { PipelineBackend, PipelinePort } from '../../core/pipelines/ports.js';
import { JenkinsPipeline } from '../jenkins/jenkins-pipeline.js';
import { GitlabPipeline } from './gitlab-pipeline.js';

export interface PipelineWiring {
  readonly pipelines: PipelinesConfig;
  readonly hub: PipelineEventHub;
  readonly authorize: (principal: Principal, conversation: Conversation, permission: string) => void;
}

export function createPipelinePortFromConfig(wiring: PipelineWiring): PipelinePort {
  const configured = new Map<string, ConfiguredPipeline>();
  for (const [name, config] of Object.entries(wiring.pipelines)) {
    const backend = backendOf(name, config, wiring.hub);
    configured.set(name, { backend, info: infoOf(name, config, backend) });
  }
  return createPipelinePort({ pipelines: configured, authorize: wiring.authorize });
}

function backendOf(name: string, config: PipelineConfig, hub: PipelineEventHub): PipelineBackend {
  const b = config.backend;
  if (b.kind === 'jenkins') {
    return new JenkinsPipeline({
      pipeline: name,
      url: b.url,
      job: b.job,
      user: b.user,
      token: b.token,
      refParameter: b.refParameter,
      parameterized: b.parameterized,
      pollIntervalMs: config.pollInterval,
      queueTimeoutMs: b.queueTimeout,
      requestTimeoutMs: config.requestTimeout,
    });
  }
  return new GitlabPipeline(
    {
      pipeline: name,
      url: b.url,
      project: b.project,
      token: b.token,
      triggerToken: b.triggerToken,
      pollIntervalMs: config.pollInterval,
      requestTimeoutMs: config.requestTimeout,
      queueTimeoutMs: b.queueTimeout,
    },
    hub,
  );
}

function infoOf(name: string, config: PipelineConfig, backend: PipelineBackend): PipelineInfo {
  const b = config.backend;
  return {
    name,
    backend: b.kind,
    description: config.description,
    target: backend.target,
    variables: config.variables,
    acceptsRef: b.kind === 'gitlab' || b.refParameter !== null,
    defaultRef: b.kind === 'gitlab' ? b.ref : null,
    refPattern: config.refPattern,
    permission: config.permission,
  };
}

/** The Pipeline-events webhook secrets of every GitLab pipeline, by numeric project id or path. */
export function gitlabWebhookSecrets(pipelines: PipelinesConfig): { readonly project: string; readonly token: string }[] {
  const out: { project: string; token: string }[] = [];
  for (const config of Object.values(pipelines)) {
    if (config.backend.kind === 'gitlab' && config.backend.webhookToken !== null) out.push({ project: config.backend.project, token: config.backend.webhookToken });
  }
  return out;
}
