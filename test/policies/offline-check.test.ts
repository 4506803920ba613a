// End to end: the offline checker runs the real program (and copies of it with one bad resource injected)
// under mocks in a child process, and its exit code and JSON report name the right rule.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface Report {
  stack: string;
  resources: number;
  rules: { name: string; enforcementLevel: string }[];
  violations: {
    policyName: string;
    enforcementLevel: string;
    message: string;
    urn?: string;
    resourceName?: string;
  }[];
  summary: { mandatory: number; advisory: number };
}

interface Run {
  code: number;
  report?: Report;
  stdout: string;
  stderr: string;
}

function runCheck(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'policies', 'offline', 'check.ts'), ...args],
      { cwd: root, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? -1) : 0;
        let report: Report | undefined;
        if (args.includes('--json')) {
          try {
            report = JSON.parse(stdout) as Report;
          } catch {
            report = undefined;
          }
        }
        resolve({ code, report, stdout, stderr });
      },
    );
  });
}

const mandatoryRules = (report: Report | undefined) => [
  ...new Set(
    (report?.violations ?? []).filter((v) => v.enforcementLevel === 'mandatory').map((v) => v.policyName),
  ),
];

describe('offline policy check (end to end)', function () {
  this.timeout(120_000);

  for (const stack of ['dev', 'prod-eu', 'multi-region']) {
    it(`passes the real program for stack ${stack} with zero mandatory violations`, async () => {
      const run = await runCheck('--stack', stack, '--json');
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.report?.stack, stack);
      assert.ok((run.report?.resources ?? 0) > 30, 'the program registered its resources');
      assert.equal(run.report?.summary.mandatory, 0, JSON.stringify(run.report?.violations));
      assert.ok((run.report?.rules.length ?? 0) >= 25, 'every rule was evaluated');
    });
  }

  it('prints a preview-style text report', async () => {
    const run = await runCheck('--stack', 'dev');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Policies:\n {4}✅ image-cdn-policies@v0\.1\.0 \(offline: stack dev, \d+ resources, \d+ rules\)/,
    );
  });

  const injected: [string, string, RegExp][] = [
    ['wildcard-role-policy', 'iam-no-wildcard-actions', /allows "s3:\*": list the exact actions/],
    ['public-bucket-policy', 's3-no-public-grants', /statement "PublicRead" allows Principal "\*"/],
    [
      'edge-without-publish',
      'lambda-edge-published-version',
      /edge function "injected-edge": publish is not true/,
    ],
    [
      'batch-writes-originals',
      'lambda-no-trigger-recursion',
      /may s3:PutObject on arn:aws:s3:::image-cdn-dev-us-west-2-[0-9a-f]{8}-originals\/\*/,
    ],
  ];
  for (const [program, rule, message] of injected) {
    it(`fails a copy of the program with ${program}, naming ${rule}`, async () => {
      const run = await runCheck(
        '--stack',
        'dev',
        '--json',
        '--program',
        join(__dirname, 'programs', `${program}.ts`),
      );
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(mandatoryRules(run.report), [rule]);
      const violation = run.report?.violations.find((v) => v.policyName === rule);
      assert.match(violation?.message ?? '', message);
      assert.match(violation?.urn ?? '', /^urn:pulumi:dev::image-cdn::/);
    });
  }

  it('names the rule and URN in the text report and exits 1', async () => {
    const run = await runCheck(
      '--stack',
      'dev',
      '--program',
      join(__dirname, 'programs', 'wildcard-role-policy.ts'),
    );
    assert.equal(run.code, 1);
    assert.match(run.stdout, /- \[mandatory\] {2}iam-no-wildcard-actions\n/);
    assert.match(run.stdout, /urn:pulumi:dev::image-cdn::aws:iam\/rolePolicy:RolePolicy::injected-wildcard/);
  });

  it('lets --policy-pack-config turn a rule advisory, like the CLI', async () => {
    const config = join(__dirname, 'programs', 'recursion-advisory.json');
    const run = await runCheck(
      '--stack',
      'dev',
      '--json',
      '--program',
      join(__dirname, 'programs', 'batch-writes-originals.ts'),
      '--policy-pack-config',
      config,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.report?.violations[0]?.enforcementLevel, 'advisory');
    assert.equal(
      run.report?.rules.find((r) => r.name === 'lambda-no-trigger-recursion')?.enforcementLevel,
      'advisory',
    );
  });

  it("really examines the program's edge function, edge role and log groups (tightened config fails them)", async () => {
    const config = join(__dirname, 'programs', 'tightened.json');
    const run = await runCheck('--stack', 'dev', '--json', '--policy-pack-config', config);
    assert.equal(run.code, 1, run.stderr);
    const found = (rule: string) => (run.report?.violations ?? []).filter((v) => v.policyName === rule);
    // The edge function is found through the distribution's origin-response association.
    assert.deepEqual(
      found('lambda-edge-runtime').map((v) => v.resourceName),
      ['image-cdn-edge-function'],
    );
    assert.match(
      found('iam-edge-role-exact-s3-access')[0]?.message ?? '',
      /grants s3:PutObject on arn:aws:s3:::image-cdn-dev-us-west-2-[0-9a-f]{8}-derivatives\/\*:/,
    );
    assert.ok(found('logs-retention').length >= 4, 'every log group was checked');
  });

  describe('never crashes, hangs or passes by accident (issue 11, item 12)', () => {
    const program = (name: string) => join(__dirname, 'programs', `${name}.ts`);
    it('exits 2 with a clear message, and prints no report, when an Output never resolves', async () => {
      const run = await runCheck('--stack', 'dev', '--json', '--program', program('never-resolving-policy'));
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /the program can never finish: \d+ Pulumi promises are still pending/);
      assert.doesNotMatch(run.stderr, /promises were still active/);
    });
    it('exits 2 after --timeout when an Output never resolves while the process stays busy', async () => {
      const run = await runCheck('--stack', 'dev', '--timeout', '2', '--program', program('hanging-policy'));
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /the program did not finish within 2 s/);
    });
    it('looks up AWS-managed policies honestly, so AdministratorAccess by data source fails the check', async () => {
      const run = await runCheck('--stack', 'dev', '--json', '--program', program('admin-by-data-source'));
      assert.equal(run.code, 1, run.stderr);
      assert.deepEqual(mandatoryRules(run.report), ['iam-no-broad-managed-policies']);
      assert.match(run.report?.violations[0]?.message ?? '', /AWS-managed policy "AdministratorAccess"/);
      assert.equal(run.report?.violations[0]?.resourceName, 'injected-admin-lookup');
    });
    it('exits 2 with the reason, and prints no report, for a data source the mocks do not know', async () => {
      const run = await runCheck('--stack', 'dev', '--program', program('unknown-data-source'));
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /cannot look up IAM policy \{"name":"SomeoneElsesPolicy"\}/);
    });
    it('exits 2, and prints no report, when the program logs an error, as `pulumi preview` fails', async () => {
      const run = await runCheck('--stack', 'dev', '--json', '--program', program('logs-an-error'));
      assert.equal(run.code, 2, run.stderr);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, /the program logged an error/);
    });
    it('refuses a --timeout that is not a positive number', async () => {
      const run = await runCheck('--stack', 'dev', '--timeout', 'soon');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /--timeout takes a number of seconds/);
    });
  });

  it('exits 2 on an unknown stack', async () => {
    const run = await runCheck('--stack', 'no-such-stack');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no stack file/);
  });

  // Issue 15: the command never leaves a user guessing.
  describe('command line', () => {
    it('lists the stacks that exist when --stack names none, in one line without a stack trace', async () => {
      const run = await runCheck('--stack', 'no-such-stack');
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /stacks: dev, multi-region, prod-eu$/m);
    });
    it('refuses an unknown option in one line', async () => {
      const run = await runCheck('--stak', 'dev');
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /Unknown option '--stak'/);
    });
    it('prints its usage, options and exit codes for --help, and exits 0', async () => {
      const run = await runCheck('--help');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^usage: npm run policy:check -- --stack <name>/);
      for (const option of ['--json', '--program', '--policy-pack-config', '--timeout', 'exit codes'])
        assert.ok(run.stdout.includes(option), option);
    });
  });
});
