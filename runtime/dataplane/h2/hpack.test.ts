// HPACK against RFC 7541's own examples, against golang.org/x/net/http2/hpack (a real encoder
// and decoder, built from testdata/hpack-go), and against malformed and random input.
import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { buildGoModule } from "../../../scripts/go-tools.ts";
import { encodeHeaderBlock, HpackDecoder, HpackError, headerListBytes } from "./hpack.ts";
import { STATIC_TABLE } from "./static-table.ts";

const hex = (text: string): Uint8Array => Buffer.from(text.replace(/\s+/g, ""), "hex");
const latin1 = (hexText: string): string => Buffer.from(hexText, "hex").toString("latin1");
const toHex = (text: string): string => Buffer.from(text, "latin1").toString("hex");

type Step = { block: string; fields: string[]; table: [string, string][]; size: number };

function decodeSeries(tableSize: number, steps: Step[]): void {
  const decoder = new HpackDecoder(tableSize);
  steps.forEach((step, i) => {
    expect({ step: i, fields: decoder.decode(hex(step.block)) }).toEqual({
      step: i,
      fields: step.fields,
    });
    expect({ step: i, table: decoder.dynamicTable }).toEqual({ step: i, table: step.table });
    expect({ step: i, size: decoder.dynamicTableSize }).toEqual({ step: i, size: step.size });
  });
}

describe("RFC 7541 Appendix C", () => {
  test("C.2: one representation of each kind", () => {
    decodeSeries(4096, [
      {
        block: "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        fields: ["custom-key", "custom-header"],
        table: [["custom-key", "custom-header"]],
        size: 55,
      },
    ]);
    decodeSeries(4096, [
      {
        block: "040c 2f73 616d 706c 652f 7061 7468",
        fields: [":path", "/sample/path"],
        table: [],
        size: 0,
      },
    ]);
    decodeSeries(4096, [
      {
        block: "1008 7061 7373 776f 7264 0673 6563 7265 74",
        fields: ["password", "secret"],
        table: [],
        size: 0,
      },
    ]);
    decodeSeries(4096, [{ block: "82", fields: [":method", "GET"], table: [], size: 0 }]);
  });

  const requests = (blocks: [string, string, string]): Step[] => [
    {
      block: blocks[0],
      fields: [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"],
      table: [[":authority", "www.example.com"]],
      size: 57,
    },
    {
      block: blocks[1],
      fields: [
        ":method",
        "GET",
        ":scheme",
        "http",
        ":path",
        "/",
        ":authority",
        "www.example.com",
        "cache-control",
        "no-cache",
      ],
      table: [
        ["cache-control", "no-cache"],
        [":authority", "www.example.com"],
      ],
      size: 110,
    },
    {
      block: blocks[2],
      fields: [
        ":method",
        "GET",
        ":scheme",
        "https",
        ":path",
        "/index.html",
        ":authority",
        "www.example.com",
        "custom-key",
        "custom-value",
      ],
      table: [
        ["custom-key", "custom-value"],
        ["cache-control", "no-cache"],
        [":authority", "www.example.com"],
      ],
      size: 164,
    },
  ];

  test("C.3: requests without Huffman coding", () => {
    decodeSeries(
      4096,
      requests([
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
      ]),
    );
  });

  test("C.4: requests with Huffman coding", () => {
    decodeSeries(
      4096,
      requests([
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
      ]),
    );
  });

  const date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
  const date2 = "Mon, 21 Oct 2013 20:13:22 GMT";
  const cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
  const location = "https://www.example.com";
  // A 256-octet table: the third response evicts.
  const responses = (blocks: [string, string, string]): Step[] => [
    {
      block: blocks[0],
      fields: [":status", "302", "cache-control", "private", "date", date1, "location", location],
      table: [
        ["location", location],
        ["date", date1],
        ["cache-control", "private"],
        [":status", "302"],
      ],
      size: 222,
    },
    {
      block: blocks[1],
      fields: [":status", "307", "cache-control", "private", "date", date1, "location", location],
      table: [
        [":status", "307"],
        ["location", location],
        ["date", date1],
        ["cache-control", "private"],
      ],
      size: 222,
    },
    {
      block: blocks[2],
      fields: [
        ":status",
        "200",
        "cache-control",
        "private",
        "date",
        date2,
        "location",
        location,
        "content-encoding",
        "gzip",
        "set-cookie",
        cookie,
      ],
      table: [
        ["set-cookie", cookie],
        ["content-encoding", "gzip"],
        ["date", date2],
      ],
      size: 215,
    },
  ];

  test("C.5: responses without Huffman coding, evicting from a 256-octet table", () => {
    decodeSeries(
      256,
      responses([
        `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d`,
        "4803 3330 37c1 c0bf",
        `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31`,
      ]),
    );
  });

  test("C.6: responses with Huffman coding, evicting from a 256-octet table", () => {
    decodeSeries(
      256,
      responses([
        `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        "4883 640e ffc1 c0bf",
        `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
      ]),
    );
  });
});

// --- golang.org/x/net/http2/hpack as the reference -----------------------------------------

let hpackGo: string;
beforeAll(async () => {
  hpackGo = await buildGoModule(join(import.meta.dir, "testdata", "hpack-go"), "hpack-go", {
    progress: (line) => console.log(line),
  });
}, 120_000);

async function runGo(mode: "encode" | "decode", input: unknown): Promise<unknown> {
  const child = Bun.spawn([hpackGo, mode], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  child.stdin.write(JSON.stringify(input));
  await child.stdin.end();
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`hpack-go ${mode} exited ${code}: ${stderr}`);
  return JSON.parse(stdout);
}

/** mulberry32: a small seeded PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type HeaderList = { fields: string[]; sensitive: boolean[]; tableSize?: number };

/**
 * Header lists a gRPC peer might send, and worse: grpc-go-like requests repeated with small
 * changes (dynamic-table hits), static-table names, random token names, values of any octets,
 * values long enough to evict everything or to be larger than the whole table, and a few table
 * size updates (down, to zero, back up).
 */
function headerLists(count: number, seed: number): HeaderList[] {
  const next = random(seed);
  const int = (n: number) => Math.floor(next() * n);
  const octets = (length: number) => {
    const chars = new Array<string>(length);
    for (let i = 0; i < length; i++) chars[i] = String.fromCharCode(int(256));
    return chars.join("");
  };
  const token = (length: number) => {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
    let text = "";
    for (let i = 0; i < length; i++) text += alphabet[int(alphabet.length)];
    return text;
  };
  const recent: [string, string][] = [];
  const lists: HeaderList[] = [];
  const tableSizes = new Map([
    [400, 256],
    [401, 0],
    [402, 4096],
    [900, 1000],
    [1300, 64],
    [1301, 4096],
  ]);
  for (let l = 0; l < count; l++) {
    const fields: string[] = [
      ":method",
      "POST",
      ":scheme",
      "http",
      ":path",
      `/foo.bar.AdderService/Add${int(4)}`,
      ":authority",
      `10.0.0.${int(3)}:8080`,
      "content-type",
      "application/grpc",
      "user-agent",
      "grpc-go/1.75.0",
      "te",
      "trailers",
    ];
    if (int(2) === 0) fields.push("grpc-timeout", `${int(100000)}u`);
    const extra = int(6);
    for (let f = 0; f < extra; f++) {
      const kind = int(10);
      if (kind < 3 && recent.length > 0) {
        fields.push(...(recent[int(recent.length)] as [string, string]));
        continue;
      }
      const name =
        kind < 5
          ? (STATIC_TABLE[int(STATIC_TABLE.length)] as readonly [string, string])[0]
          : kind < 9
            ? `x-${token(1 + int(20))}`
            : octets(int(8));
      const value = kind === 9 && int(3) === 0 ? octets(200 + int(4500)) : octets(int(40));
      fields.push(name, value);
      recent.push([name, value]);
      if (recent.length > 50) recent.shift();
    }
    if (l === 7) fields.push("x-every-octet", allOctets());
    const sensitive = Array.from({ length: fields.length / 2 }, () => int(20) === 0);
    lists.push({ fields, sensitive, tableSize: tableSizes.get(l) });
  }
  return lists;
}

function allOctets(): string {
  return Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join("");
}

/** The first list where got and want differ, so a failure shows one list, not 2,000. */
function expectSameLists(got: string[][], want: string[][]): void {
  expect(got.length).toBe(want.length);
  const at = got.findIndex((fields, i) => !Bun.deepEquals(fields, want[i]));
  if (at >= 0) expect({ list: at, fields: got[at] }).toEqual({ list: at, fields: want[at] ?? [] });
}

const LISTS = headerLists(2000, 0x5eed);

describe("against golang.org/x/net/http2/hpack", () => {
  test("decodes 2,000 blocks from Go's encoder (Huffman, dynamic table, size updates)", async () => {
    const blocks = (await runGo(
      "encode",
      LISTS.map((list) => ({ ...list, fields: list.fields.map(toHex) })),
    )) as string[];
    const decoder = new HpackDecoder(4096);
    const got = blocks.map((block) => decoder.decode(hex(block)));
    expectSameLists(
      got,
      LISTS.map((list) => list.fields),
    );
    // The size updates asked for did reach the wire: 256 then 0, then 4096.
    expect([blocks[400]?.slice(0, 6), blocks[401]?.slice(0, 2), blocks[402]?.slice(0, 6)]).toEqual([
      "3fe101",
      "20",
      "3fe11f",
    ]);
  }, 30_000);

  test("encodeHeaderBlock round-trips through our decoder and Go's", async () => {
    const blocks = LISTS.map((list) => encodeHeaderBlock(list.fields));
    const ours = new HpackDecoder(4096);
    expectSameLists(
      blocks.map((block) => ours.decode(block)),
      LISTS.map((list) => list.fields),
    );
    expect(ours.dynamicTable).toEqual([]);
    const theirs = (await runGo(
      "decode",
      blocks.map((block) => Buffer.from(block).toString("hex")),
    )) as string[][];
    expectSameLists(
      theirs.map((fields) => fields.map(latin1)),
      LISTS.map((list) => list.fields),
    );
  }, 30_000);
});

describe("encodeHeaderBlock", () => {
  test("literal without indexing, static name index where there is one, raw strings", () => {
    const block = encodeHeaderBlock([":status", "200", "grpc-status", "0", "www-authenticate", ""]);
    // 08 = name :status (8); 0f 2e = name index 61 (15 + 46); 00 0b … = a literal name.
    expect(Buffer.from(block).toString("hex")).toBe(
      `0803${toHex("200")}000b${toHex("grpc-status")}01${toHex("0")}0f2e00`,
    );
    const long = "v".repeat(300);
    expect(new HpackDecoder().decode(encodeHeaderBlock(["x", long]))).toEqual(["x", long]);
  });
});

test("headerListBytes: name and value octets plus 32 per field (RFC 9113 §6.5.2)", () => {
  expect(headerListBytes([])).toBe(0);
  expect(headerListBytes([":path", "/a", "te", "trailers"])).toBe(5 + 2 + 32 + 2 + 8 + 32);
});

describe("malformed blocks throw HpackError", () => {
  // [rule, block, what the error says]: the message proves the right rule fired.
  const rows: [string, string, RegExp][] = [
    ["indexed field with index 0", "80", /index 0/],
    ["index past the static table with an empty dynamic table", "be", /index 62 past the tables/],
    ["literal with a name index past the tables", "0f2f0161", /index 62 past the tables/],
    ["integer above 2^31-1", "ffffffffff0f", /overflows 2\^31-1/],
    ["integer with more than 5 continuation octets", "ff808080808001", /over 5 continuation/],
    ["integer cut off by the end of the block", "ff", /integer runs past the end/],
    ["string length past the end of the block", "00056161", /5 octets .* past the end/],
    ["string missing at the end of the block", "01", /string literal missing/],
    ["Huffman padding longer than 7 bits", "000161821fff", /padding/],
    ["Huffman padding not all ones", "0001618100", /padding/],
    ["EOS in a Huffman string", "00016184ffffffff", /EOS/],
    ["dynamic table size update above SETTINGS_HEADER_TABLE_SIZE", "3fe21f", /4097, above/],
    ["dynamic table size update after a field", "8220", /after a field/],
  ];
  for (const [rule, block, message] of rows) {
    test(rule, () => {
      const decode = () => new HpackDecoder(4096).decode(hex(block));
      expect(decode).toThrow(HpackError);
      expect(decode).toThrow(message);
    });
  }

  test("the valid neighbours of those rows decode", () => {
    const decoder = new HpackDecoder(4096);
    expect(decoder.decode(hex("3fe11f 3f00 82"))).toEqual([":method", "GET"]); // 4096, then 31
    expect(decoder.decode(hex("00016181 1f"))).toEqual(["a", "a"]); // Huffman "a", 3 bits padding
    expect(decoder.decode(hex("3fe11f 40 0161 0162 be"))).toEqual(["a", "b", "a", "b"]);
  });

  test("10,000 random blocks: nothing but HpackError, never a hang", () => {
    const next = random(0xbad);
    const shared = new HpackDecoder(4096);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      const block = new Uint8Array(Math.floor(next() * 48));
      for (let j = 0; j < block.length; j++) block[j] = Math.floor(next() * 256);
      for (const decoder of [shared, new HpackDecoder(4096)]) {
        try {
          decoder.decode(block);
          decoded++;
        } catch (error) {
          if (!(error instanceof HpackError)) {
            throw new Error(`block ${Buffer.from(block).toString("hex")} threw ${error}`);
          }
        }
      }
    }
    // Some random blocks are valid (e.g. the empty one and runs of static indexes).
    expect(decoded).toBeGreaterThan(0);
  });
});
