// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF line ends; each record keeps the line it started on.

export interface CsvRecord {
  /** 1-based line number where the record starts (the header is line 1), for messages. */
  line: number;
  fields: string[];
  /** Set (in lenient parsing) when the record is malformed: what is wrong with it; its fields are those read before. */
  error?: string;
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The records of a CSV text. A character after a closing quote (`"a dog" sitting`) throws a CsvError naming the
 * line, or with `lenient` marks that record's `error` and goes on at the next line, so a caller can skip one bad row;
 * a quote that is never closed always throws (where the record ends cannot be told).
 */
export function parseCsv(text: string, lenient = false): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let start = 1;
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  let error: string | undefined;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push(error ? { line: start, fields, error } : { line: start, fields });
    error = undefined;
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          const what = `unexpected character after a closing quote; quote the whole field and double any quote inside it ("")`;
          if (!lenient) throw new CsvError(line, `line ${line}: ${what}`);
          error = what;
          while (i < text.length && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      start = line;
      continue;
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (quoted) throw new CsvError(start, `line ${start}: a quoted field is never closed; add the closing quote (")`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}
