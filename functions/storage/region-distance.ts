/**
 * Which of a stack's regions is nearest to the region a Lambda@Edge replica runs in. A replica learns
 * its region from `AWS_REGION` ("Defined runtime environment variables", Lambda Developer Guide: "The
 * AWS Region where the Lambda function is executed"); the stack's buckets are then read in order of
 * great-circle distance from it.
 *
 * A static table, not a package: the handful of coordinates is smaller than any dependency, and the
 * order it gives only needs to be right to within a continent. Each region sits at the city AWS names
 * it after (approximate latitude and longitude, degrees).
 */
const REGION_COORDINATES: Readonly<Record<string, readonly [number, number]>> = {
  'us-east-1': [38.9, -77.4], // N. Virginia
  'us-east-2': [40.0, -83.0], // Ohio
  'us-west-1': [37.4, -122.0], // N. California
  'us-west-2': [45.8, -119.7], // Oregon
  'ca-central-1': [45.5, -73.6], // Montreal
  'ca-west-1': [51.0, -114.1], // Calgary
  'mx-central-1': [20.6, -100.4], // Querétaro
  'sa-east-1': [-23.5, -46.6], // São Paulo
  'eu-west-1': [53.3, -6.3], // Dublin
  'eu-west-2': [51.5, -0.1], // London
  'eu-west-3': [48.9, 2.4], // Paris
  'eu-central-1': [50.1, 8.7], // Frankfurt
  'eu-central-2': [47.4, 8.5], // Zurich
  'eu-north-1': [59.3, 18.1], // Stockholm
  'eu-south-1': [45.5, 9.2], // Milan
  'eu-south-2': [41.6, -0.9], // Aragón
  'il-central-1': [32.1, 34.8], // Tel Aviv
  'me-south-1': [26.1, 50.5], // Bahrain
  'me-central-1': [24.5, 54.4], // UAE
  'af-south-1': [-33.9, 18.4], // Cape Town
  'ap-south-1': [19.1, 72.9], // Mumbai
  'ap-south-2': [17.4, 78.5], // Hyderabad
  'ap-east-1': [22.3, 114.2], // Hong Kong
  'ap-east-2': [25.0, 121.5], // Taipei
  'ap-northeast-1': [35.7, 139.7], // Tokyo
  'ap-northeast-2': [37.6, 127.0], // Seoul
  'ap-northeast-3': [34.7, 135.5], // Osaka
  'ap-southeast-1': [1.35, 103.8], // Singapore
  'ap-southeast-2': [-33.9, 151.2], // Sydney
  'ap-southeast-3': [-6.2, 106.8], // Jakarta
  'ap-southeast-4': [-37.8, 145.0], // Melbourne
  'ap-southeast-5': [3.1, 101.7], // Kuala Lumpur
  'ap-southeast-7': [13.7, 100.5], // Bangkok
};

const RADIANS = Math.PI / 180;

/** Great-circle distance in kilometres, or undefined when either region is not in the table. */
export function regionDistanceKm(from: string, to: string): number | undefined {
  const a = REGION_COORDINATES[from];
  const b = REGION_COORDINATES[to];
  if (!a || !b) return undefined;
  const [lat1, lon1] = [a[0] * RADIANS, a[1] * RADIANS];
  const [lat2, lon2] = [b[0] * RADIANS, b[1] * RADIANS];
  const h =
    Math.sin((lat2 - lat1) / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * `regions` nearest first, as seen from `from`. Ties and regions the table does not know keep their
 * given order, after the known ones; so does everything when `from` is unknown (the stack's home region
 * comes first in `regions`, so an unknown edge region reads from home first, as a one-region stack does).
 */
export function nearestFirst<T extends { readonly region: string }>(
  from: string | undefined,
  regions: readonly T[],
): T[] {
  const distance = (region: string) =>
    (from === undefined ? undefined : regionDistanceKm(from, region)) ?? Number.POSITIVE_INFINITY;
  return regions
    .map((entry, index) => ({ entry, index, km: distance(entry.region) }))
    .sort((x, y) => x.km - y.km || x.index - y.index)
    .map(({ entry }) => entry);
}
