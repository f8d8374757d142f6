/** The `pipelines:` and `services:` config sections: what loads, and what is refused with a reason. */
import { describe, expect, it } from 'vitest';
import { errorOf, loadText } from '../config/fixtures.js';

const jenkins = 'pipelines:\n  build:\n    jenkins: { url: "https://ci.example.com/", job: store/build, user: opsbot, token: "${JENKINS_TOKEN}" }\n';

describe('pipelines:', () => {
  it('loads a Jenkins and a GitLab pipeline with typed variables, keeping tokens as secrets', () => {
    const loaded = loadText(
      `${jenkins}    variables:\n      VERSION: { type: string, pattern: '^[0-9.]+$', required: true }\n      N: { type: integer, min: 1, max: 5 }\n` +
        '  app:\n    gitlab: { url: "https://gitlab.example.com", project: group/app, token: "${GITLAB_TOKEN}", webhookToken: "${HOOK}" }\n    permission: deploy:prod\n',
      { JENKINS_TOKEN: 'jt-secret', GITLAB_TOKEN: 'gl-secret', HOOK: 'hook-secret' },
    );
    const { build, app } = loaded.config.pipelines;
    expect(build?.backend).toEqual({ kind: 'jenkins', url: 'https://ci.example.com/', job: 'store/build', user: 'opsbot', token: 'jt-secret', refParameter: null, parameterized: true, queueTimeout: 600_000 });
    expect(build?.variables.N).toEqual({ type: 'integer', min: 1, max: 5, required: false, default: null, description: null });
    expect(app?.backend).toMatchObject({ kind: 'gitlab', project: 'group/app', ref: 'main', triggerToken: null, webhookToken: 'hook-secret', queueTimeout: 30 * 60_000 });
    expect(app?.permission).toBe('deploy:prod');
    expect(loaded.secrets).toEqual(expect.arrayContaining(['jt-secret', 'gl-secret', 'hook-secret']));
  });

  it.each([
    ['pipelines:\n  build:\n    jenkins: { url: "https://ci", job: b, user: u, token: t }\n    gitlab: { url: "https://gl", project: "1", token: t }\n', /pipelines\.build: needs exactly one of jenkins or gitlab, not both/],
    ['pipelines:\n  build:\n    description: nothing\n', /pipelines\.build: missing required key "jenkins"/],
    [`${jenkins}    variables:\n      X: { type: float }\n`, /pipelines\.build\.variables\.X\.type: must be one of string, integer, boolean, enum/],
    [`${jenkins}    variables:\n      X: { type: enum }\n`, /an enum variable needs values/],
    [`${jenkins}    variables:\n      X: { type: string, pattern: "([" }\n`, /pattern: is not a valid regular expression/],
    [`${jenkins}    variables:\n      bad-name: { type: string }\n`, /"bad-name" is not a variable name/],
    [`${jenkins}    refPattern: "(("\n`, /refPattern: is not a valid regular expression/],
    ['pipelines:\n  Build:\n    jenkins: { url: "https://ci", job: b, user: u, token: t }\n', /"Build" is not a pipeline name/],
    ['pipelines:\n  build:\n    jenkins: { url: "ftp://ci", job: b, user: u, token: t }\n', /is not an http\(s\) URL/],
    // opsbot shows the Jenkins URL in chat: a token in it would be shown too (and the refusal does not show it).
    ['pipelines:\n  build:\n    jenkins: { url: "https://opsbot:11aa22bb@ci.example.com/", job: b, user: u, token: t }\n', /jenkins\.url: "https:\/\/\*\*\*@ci\.example\.com\/" is not an http\(s\) URL without credentials in it/],
    ['pipelines:\n  app:\n    gitlab: { url: "https://oauth2:glpat-x@gitlab.example.com", project: "1", token: t }\n', /gitlab\.url: "https:\/\/\*\*\*@gitlab\.example\.com" is not an http\(s\) URL without credentials/],
    ['pipelines:\n  build:\n    jenkins: { url: "https://ci", job: "../b", user: u, token: t }\n', /is not a job path/],
    ['pipelines:\n  build:\n    jenkins: { url: "https://ci", job: "a/../b", user: u, token: t }\n', /is not a job path/],
    ['pipelines:\n  build:\n    jenkins: { url: "https://ci", job: "a/.", user: u, token: t }\n', /is not a job path/],
  ])('refuses %j', (text, reason) => {
    expect(errorOf(text, { JENKINS_TOKEN: 'x' })).toMatch(reason);
  });
});

const compose = 'services:\n  web:\n    max: 6\n    environments:\n      demo:\n        compose: { project: demo, service: web, file: ./compose.yaml }\n';

describe('services:', () => {
  it('loads bounds, durations, the default environment and an absolute compose file', () => {
    const web = loadText(compose).config.services.web;
    expect(web).toEqual({
      description: null,
      cooldown: 60_000,
      readyTimeout: 120_000,
      pollInterval: 2_000,
      defaultEnv: 'demo',
      environments: { demo: { min: 1, max: 6, orchestrators: 1, orchestrator: { kind: 'compose', project: 'demo', service: 'web', file: '/srv/opsbot/compose.yaml', command: 'auto', dockerHost: null, env: {} } } },
    });
  });

  it('loads swarm and kubernetes environments with per-environment bounds', () => {
    const text =
      'services:\n  api:\n    min: 2\n    max: 20\n    cooldown: 2m\n    defaultEnv: prod\n    environments:\n' +
      '      prod:\n        swarm: { service: api, dockerHost: "unix:///run/docker.sock" }\n' +
      '      k8s:\n        max: 50\n        kubernetes: { namespace: prod, deployment: api, server: "https://k8s:6443", token: "${K8S_TOKEN}" }\n';
    const api = loadText(text, { K8S_TOKEN: 'k8s-secret' }).config.services.api;
    expect(api?.environments.prod).toEqual({ min: 2, max: 20, orchestrators: 1, orchestrator: { kind: 'swarm', service: 'api', dockerHost: 'unix:///run/docker.sock' } });
    expect(api?.environments.k8s?.max).toBe(50);
    expect(api?.environments.k8s?.orchestrator).toMatchObject({ kind: 'kubernetes', token: 'k8s-secret', server: 'https://k8s:6443' });
    expect(api?.cooldown).toBe(120_000);
  });

  it('points a min above its max at the number written wrong: the environment\'s own, else the service\'s', () => {
    const service = (bounds: string, staging: string): string =>
      `services:\n  web:\n${bounds}    environments:\n      staging:\n${staging}        swarm: { service: web }\n      prod:\n        swarm: { service: web }\n`;
    expect(errorOf(service('    min: 2\n    max: 6\n', '        min: 8\n'))).toBe("opsbot.yaml:7:14 services.web.environments.staging.min: 8 is greater than the service's max (6)");
    expect(errorOf(service('    min: 2\n    max: 6\n', '        min: 5\n        max: 4\n'))).toBe('opsbot.yaml:7:14 services.web.environments.staging.min: 5 is greater than max (4)');
    expect(errorOf(service('    min: 2\n    max: 6\n', '        max: 1\n'))).toBe("opsbot.yaml:7:14 services.web.environments.staging.max: 1 is less than the service's min (2)");
    expect(errorOf(service('    min: 7\n    max: 6\n', ''))).toBe('opsbot.yaml:3:10 services.web.min: 7 is greater than max (6)');
    expect(errorOf(service('    max: 0\n', ''))).toBe('opsbot.yaml:3:10 services.web.max: 0 is less than min (1, the default; min: 0 allows scaling to zero)');
  });

  it.each([
    [`${compose}    min: 7\n`, /services\.web\.min: 7 is greater than max \(6\)/],
    ['services:\n  web:\n    max: 6\n    environments:\n      demo:\n        compose: { project: demo, service: web }\n        swarm: { service: web }\n', /needs exactly one of compose, swarm, kubernetes or ansible, not several/],
    ['services:\n  web:\n    max: 6\n    defaultEnv: prod\n    environments:\n      demo:\n        swarm: { service: web }\n', /defaultEnv: is not one of its environments \(demo\)/],
    ['services:\n  web:\n    environments:\n      demo:\n        swarm: { service: web }\n', /services\.web: missing required key "max"/],
    ['services:\n  web:\n    max: 1000\n    environments:\n      demo:\n        swarm: { service: web }\n', /must be at most 999/],
    ['services:\n  web:\n    max: 6\n    environments:\n      demo:\n        swarm: { service: "web;id" }\n', /is not a Docker name/],
    ['services:\n  web:\n    max: 6\n    environments:\n      demo:\n        swarm: { service: web, dockerHost: "http://x" }\n', /is not a Docker host/],
    ['services:\n  web:\n    max: 6\n    environments:\n      demo:\n        kubernetes: { namespace: prod, deployment: web, server: "https://k8s" }\n', /give server and token together/],
    ['services:\n  web:\n    max: 6\n    environments: {}\n', /environments/],
  ])('refuses %j', (text, reason) => {
    expect(errorOf(text)).toMatch(reason);
  });
});
