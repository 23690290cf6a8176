/**
 * Histories to and from Temporal's proto JSON (the format of `temporal workflow show --output
 * json` and the Web UI's download). This is what `historyToJSON` / `historyFromJSON` in
 * @temporalio/common/lib/proto-utils do; those fail here with "type must be a Type" because npm
 * installs protobufjs 8 three times (under @temporalio/common, /proto and /worker: protobufjs 7 is
 * hoisted for @grpc/proto-loader), and they check a type from @temporalio/proto's copy against
 * @temporalio/common's. Using the protojson of the copy @temporalio/proto itself uses avoids that.
 */
import path from 'node:path';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { History } from '@temporalio/common/lib/proto-utils';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}

const protoPackage = path.dirname(require.resolve('@temporalio/proto/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoPackage] })) as ProtoJson;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A history as proto JSON values. */
export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

/** A history from proto JSON; fields a newer server or SDK added are ignored, as the SDK does. */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an array of events');
  }
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
