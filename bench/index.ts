/**
 * `npm run bench`: every benchmark, each printing ratios measured against its baseline in this run.
 * Not a test: numbers depend on the machine; the targets are printed next to them.
 */
import { runAvifWorstCaseBench } from './avif-worst-case';
import { runBatchBench } from './batch';
import { runEdgeBench } from './edge';
import { runEdgeSizingBench } from './edge-sizing';
import { runEmfBench } from './emf';
import { runMissPathBench } from './miss-path';
import { runOperationsBench } from './operations';
import { runSustainedBench } from './sustained';
import { runTransformBench } from './transform';

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(`# image-cdn benchmarks (${new Date().toISOString()}, Node ${process.version})`);
  await runTransformBench();
  await runOperationsBench();
  await runAvifWorstCaseBench();
  await runEdgeBench();
  await runMissPathBench();
  await runEdgeSizingBench();
  await runEmfBench();
  console.log('\n## Batch resizer');
  await runBatchBench();
  await runSustainedBench();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
