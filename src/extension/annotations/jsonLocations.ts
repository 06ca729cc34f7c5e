/**
 * A small position-aware JSON scanner: it walks the text once and reports every string value with
 * its key path and its exact range (line and UTF-16 character, as VS Code counts them). Enough to
 * find layer names in a model.json without a JSON-with-positions package. On malformed JSON (a
 * file being edited) it returns what it found before the error.
 */
export interface Position {
  line: number;
  character: number;
}

export interface TextRange {
  start: Position;
  end: Position;
}

export type JsonPath = readonly (string | number)[];

export interface StringLocation {
  path: JsonPath;
  value: string;
  /** The literal including its quotes. */
  range: TextRange;
}

class Scanner {
  offset = 0;
  private line = 0;
  private lineStart = 0;

  constructor(readonly text: string) {}

  position(): Position {
    return { line: this.line, character: this.offset - this.lineStart };
  }

  skipWhitespace(): void {
    for (;;) {
      const ch = this.text.charCodeAt(this.offset);
      if (ch === 10) {
        this.offset++;
        this.line++;
        this.lineStart = this.offset;
      } else if (ch === 32 || ch === 9 || ch === 13) {
        this.offset++;
      } else {
        return;
      }
    }
  }

  expect(ch: string): void {
    if (this.text[this.offset] !== ch) throw new SyntaxError(`expected '${ch}' at offset ${this.offset}`);
    this.offset++;
  }

  readString(): string {
    this.expect('"');
    let value = '';
    for (;;) {
      const ch = this.text[this.offset++];
      if (ch === undefined || ch === '\n') throw new SyntaxError('unterminated string');
      if (ch === '"') return value;
      if (ch !== '\\') {
        value += ch;
        continue;
      }
      const esc = this.text[this.offset++];
      if (esc === 'u') {
        value += String.fromCharCode(parseInt(this.text.slice(this.offset, this.offset + 4), 16));
        this.offset += 4;
      } else {
        value += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[esc] ?? esc;
      }
    }
  }

  skipLiteral(): void {
    const match = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity)/.exec(this.text.slice(this.offset, this.offset + 64));
    if (!match) throw new SyntaxError(`unexpected character at offset ${this.offset}`);
    this.offset += match[0].length;
  }
}

export function scanJsonStrings(text: string, wanted: (path: JsonPath) => boolean = () => true): StringLocation[] {
  const scanner = new Scanner(text);
  const found: StringLocation[] = [];

  const value = (path: (string | number)[]): void => {
    scanner.skipWhitespace();
    const ch = scanner.text[scanner.offset];
    if (ch === '{') {
      scanner.offset++;
      scanner.skipWhitespace();
      if (scanner.text[scanner.offset] === '}') return void scanner.offset++;
      for (;;) {
        scanner.skipWhitespace();
        const key = scanner.readString();
        scanner.skipWhitespace();
        scanner.expect(':');
        value([...path, key]);
        scanner.skipWhitespace();
        if (scanner.text[scanner.offset] === ',') scanner.offset++;
        else return scanner.expect('}');
      }
    } else if (ch === '[') {
      scanner.offset++;
      scanner.skipWhitespace();
      if (scanner.text[scanner.offset] === ']') return void scanner.offset++;
      for (let index = 0; ; index++) {
        value([...path, index]);
        scanner.skipWhitespace();
        if (scanner.text[scanner.offset] === ',') scanner.offset++;
        else return scanner.expect(']');
      }
    } else if (ch === '"') {
      const start = scanner.position();
      const text = scanner.readString();
      if (wanted(path)) found.push({ path, value: text, range: { start, end: scanner.position() } });
    } else {
      scanner.skipLiteral();
    }
  };

  try {
    value([]);
  } catch {
    // Malformed or half-edited JSON: keep the locations found so far.
  }
  return found;
}
