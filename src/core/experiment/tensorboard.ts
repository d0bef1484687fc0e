/**
 * A run's metric records as TensorBoard event files (`npm run to-tensorboard`): one run folder per arm and seed
 * (`<arm>/s<seed>/events.out.tfevents.<time>.tabula-rasa`), one scalar event per record — tag = the metric key
 * (`train/loss`, …), step = the optimizer step, wall_time = when it was computed (metrics.csv's wall_time).
 *
 * The format is TensorFlow's, as tensorboard's reader parses it: a TFRecord stream (tensorflow/core/lib/io/record_writer.cc:
 * uint64 length, uint32 masked CRC32C of the length bytes, the data, uint32 masked CRC32C of the data; all
 * little-endian; mask = ((crc >>> 15) | (crc << 17)) + 0xa282ead8) of `Event` protobufs (tensorflow/core/util/event.proto:
 * 1 wall_time double, 2 step int64, 3 file_version string, 5 summary; Summary 1 repeated value; Value 1 tag string,
 * 2 simple_value float). The first event of a file carries file_version "brain.Event:2". simple_value is a float32, so
 * TensorBoard shows each value rounded to float32.
 */
import { crc32c } from '@aws-crypto/crc32c';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { MetricRecord } from './runner';

/** TFRecord's masked CRC32C of `bytes` (record_writer.cc MaskedCrc). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: [uint64 len][uint32 masked crc(len)][data][uint32 masked crc(data)], little-endian. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** An Event protobuf: wall time (seconds since the epoch), step, and either the file version or scalar values. */
export function encodeEvent(e: {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: [string, number][];
}): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Bit64).double(e.wallTime);
  if (e.step !== 0) w.tag(2, WireType.Varint).int64(e.step);
  if (e.fileVersion !== undefined) w.tag(3, WireType.LengthDelimited).string(e.fileVersion);
  if (e.scalars?.length) {
    w.tag(5, WireType.LengthDelimited).fork();
    for (const [tag, value] of e.scalars)
      w.tag(1, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .string(tag)
        .tag(2, WireType.Bit32)
        .float(value)
        .join();
    w.join();
  }
  return w.finish();
}

/** The file a TensorBoard run folder's events go in (TensorBoard finds files by the `tfevents` in their name). */
export function eventFileName(wallTime: number): string {
  return `events.out.tfevents.${Math.floor(wallTime)}.tabula-rasa`;
}

/**
 * Records → event files (path inside the output folder → bytes), one per arm and seed, in step order (records of
 * one step keep their order). Records without a wall time get `fallbackWallTime` (seconds since the epoch; an older
 * metrics.csv has no wall_time column). Throws for an arm name that is not a plain folder name. Non-finite values are written as they are (TensorBoard shows NaN / ∞).
 */
export function tensorboardFiles(records: MetricRecord[], fallbackWallTime: number): Map<string, Uint8Array> {
  const runs = new Map<string, MetricRecord[]>();
  for (const r of records) {
    if (!/^[\w.-]+$/.test(r.arm) || /^\.+$/.test(r.arm))
      throw new Error(
        `arm name ${JSON.stringify(r.arm)} cannot name a run folder; use letters, digits, '.', '_' and '-'`,
      );
    const key = `${r.arm}/s${r.seed}`;
    if (!runs.has(key)) runs.set(key, []);
    runs.get(key)!.push(r);
  }
  const files = new Map<string, Uint8Array>();
  for (const [key, recs] of runs) {
    const sorted = recs
      .map((r, i) => ({ r, i }))
      .sort((a, b) => a.r.step - b.r.step || a.i - b.i)
      .map((x) => x.r);
    const wall = (r: MetricRecord) => r.wallTime ?? fallbackWallTime;
    const first = Math.min(...sorted.map(wall));
    const chunks = [
      tfRecord(encodeEvent({ wallTime: first, step: 0, fileVersion: 'brain.Event:2' })),
      ...sorted.map((r) => tfRecord(encodeEvent({ wallTime: wall(r), step: r.step, scalars: [[r.metric, r.value]] }))),
    ];
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    files.set(`${key}/${eventFileName(first)}`, bytes);
  }
  return files;
}
