// `vimana new NAME [--lang js|c|wat] [--proto FILE]`
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { type Compilation, CompileError, compileProtos, formatProblem } from "../compiler/index.ts";
import { protoImports, worldName } from "../dev/index.ts";
import { parseServerId } from "../names/index.ts";
import { type Command, EXIT_FAILURE, strictArgs, UsageError } from "./command.ts";
import calculatorProto from "./templates/calculator.proto.template" with { type: "text" };
import calculatorWat from "./templates/calculator.wat.template" with { type: "text" };
import gitignore from "./templates/gitignore.template" with { type: "text" };
import greeterC from "./templates/greeter.c.template" with { type: "text" };
import greeterJs from "./templates/greeter.js.template" with { type: "text" };
import greeterProto from "./templates/greeter.proto.template" with { type: "text" };
import readme from "./templates/README.md.template" with { type: "text" };
import projectYaml from "./templates/vimana.yaml.template" with { type: "text" };

const LANGUAGES = ["js", "c", "wat"] as const;
type Language = (typeof LANGUAGES)[number];

const help = `Usage: vimana new NAME [--lang js|c|wat] [--proto FILE]

Creates the directory NAME holding a project that \`vimana dev\` serves at once:
the .proto, its implementation, vimana.yaml (a Domain with a fresh id, a Server
named NAME and its Component, version 1.0.0), a README with the commands, and
a .gitignore for build/.

  js    greeter.proto and greeter.js: SayHello, failing with INVALID_ARGUMENT
        "name is required" on an empty name (componentize-js; builds take ~10 s)
  c     greeter.proto and greeter.c, against the header wit-bindgen generates
        into build/NAME/ (clang for wasm32-wasi; wit-bindgen-cli is installed
        from crates.io on first use)
  wat   calculator.proto and calculator.wat: Divide, failing with
        INVALID_ARGUMENT on a zero divisor (jco alone; builds in milliseconds)

Options:
      --lang LANG   js (default), c or wat
      --proto FILE  start from your own service instead (js or c): FILE and
                    the files it imports are copied in, and each method gets a
                    function that fails with UNIMPLEMENTED until you write it
  -h, --help        show this help`;

export const newCommand: Command = {
  name: "new",
  summary: "create a project: a .proto, its implementation and vimana.yaml",
  help,
  async run(args, io) {
    const { values, positionals } = strictArgs(args, {
      lang: { type: "string" },
      proto: { type: "string" },
    });
    const [target, ...extra] = positionals;
    if (target === undefined) throw new UsageError("name the project: vimana new NAME");
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const name = basename(resolve(target));
    try {
      parseServerId(name);
    } catch {
      throw new UsageError(
        `the project's name is its Server's id: lowercase letters, digits and hyphens, starting with a letter, not ${JSON.stringify(name)}`,
      );
    }
    const lang = (values.lang ?? "js") as Language;
    if (!LANGUAGES.includes(lang)) {
      throw new UsageError(`--lang must be js, c or wat, not ${JSON.stringify(values.lang)}`);
    }
    if (values.proto !== undefined && lang === "wat") {
      throw new UsageError(
        "--proto works with --lang js or c: the wat template implements its own service",
      );
    }
    const dir = resolve(target);
    if (existsSync(dir) && (await readdir(dir)).length > 0) {
      io.err(`${dir} exists and is not empty: choose another NAME`);
      return EXIT_FAILURE;
    }
    const pkg = name.replaceAll("-", "_");
    let files: Record<string, string>;
    try {
      files =
        values.proto === undefined
          ? templateFiles(lang, pkg)
          : await ownProtoFiles(resolve(values.proto), lang as "js" | "c");
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      for (const problem of error.problems) io.err(formatProblem(problem));
      return EXIT_FAILURE;
    }
    const [protoFile, imageFile] = Object.keys(files) as [string, string];
    const service = serviceOf(files[protoFile] as string, pkg);
    const domain = randomBytes(16).toString("hex");
    const fill = (text: string) =>
      text
        .replaceAll("NAME", name)
        .replaceAll("DOMAIN", domain)
        .replaceAll("SERVICE", service.name)
        .replaceAll("METHOD", service.method)
        .replaceAll("REQUEST", service.request)
        .replaceAll("PROTO", protoFile)
        .replaceAll("IMAGE", imageFile)
        .replaceAll("LANGUAGE", { js: "JavaScript", c: "C", wat: "WebAssembly text" }[lang])
        .replaceAll("ERRORS", errorsNote[lang]);
    await mkdir(dir, { recursive: true });
    // Bun.write creates the directories an imported .proto sits in.
    for (const [file, text] of Object.entries(files)) await Bun.write(join(dir, file), text);
    await Bun.write(join(dir, "vimana.yaml"), fill(projectYaml));
    await Bun.write(join(dir, "README.md"), fill(readme));
    await Bun.write(join(dir, ".gitignore"), gitignore);
    io.out(
      [
        `Created ${dir}: ${[...Object.keys(files), "vimana.yaml", "README.md"].join(", ")}`,
        `  cd ${target} && vimana dev`,
      ].join("\n"),
    );
    return 0;
  },
};

const errorsNote: Record<Language, string> = {
  js: 'in JavaScript, `throw { code: "invalid-argument", message: "…" }` (any other exception fails the call with INTERNAL and is logged with your frames first).',
  c: "in C, fill `err` and return false.",
  wat: "in WAT, write 1 and the status to the return area (calculator.wat shows how).",
};

function templateFiles(lang: Language, pkg: string): Record<string, string> {
  const set = (text: string) => text.replaceAll("PACKAGE", pkg);
  switch (lang) {
    case "js":
      return { "greeter.proto": set(greeterProto), "greeter.js": set(greeterJs) };
    case "c":
      return { "greeter.proto": set(greeterProto), "greeter.c": set(greeterC) };
    case "wat":
      return { "calculator.proto": set(calculatorProto), "calculator.wat": set(calculatorWat) };
  }
}

/**
 * The user's `.proto` (with the files it imports, at the same relative paths), and an
 * implementation with one function per method that fails UNIMPLEMENTED until written.
 */
async function ownProtoFiles(proto: string, lang: "js" | "c"): Promise<Record<string, string>> {
  const compilation: Compilation = await compileProtos(
    { files: [proto], includeDirs: [dirname(proto)] },
    { typedErrors: true },
  );
  const files: Record<string, string> = { [basename(proto)]: await Bun.file(proto).text() };
  const base = basename(proto, ".proto");
  files[`${base}.${lang}`] =
    lang === "js" ? jsStubs(compilation, proto) : cStubs(compilation, proto);
  for (const imported of protoImports(proto)) {
    files[relative(dirname(proto), imported)] = await Bun.file(imported).text();
  }
  return files;
}

function jsStubs(compilation: Compilation, proto: string): string {
  const stubs = compilation.metadata.services.flatMap((service) =>
    [...service.methods].map(([method, shape]) => {
      const fn = shape.function.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
      return `// ${service.name}/${method}\nexport function ${fn}(ctx, request) {\n  throw { code: "unimplemented", message: "${service.name}/${method} is not implemented yet" };\n}\n`;
    }),
  );
  return [
    `// Implements ${basename(proto)}: one export per method, called with the call's context and`,
    "// the request; return the response, or throw { code, message } to fail with that status.",
    "",
    stubs.join("\n"),
  ].join("\n");
}

/** Stubs against the header wit-bindgen generates for the compiled world (docs/components.md). */
function cStubs(compilation: Compilation, proto: string): string {
  const world = worldName(compilation.wit);
  const c = (kebab: string) => kebab.replace(/^%/, "").replaceAll("-", "_");
  const w = c(world);
  const exports = compilation.wit.matchAll(
    /export (%?[a-z0-9-]+): func\(ctx: context, request: (%?[a-z0-9-]+)\) -> result<(%?[a-z0-9-]+), status>;/g,
  );
  const stubs = [...exports].map(([, fn, request, response]) =>
    [
      `bool exports_${w}_${c(fn as string)}(${w}_context_t *ctx, ${w}_${c(request as string)}_t *request,`,
      `    ${w}_${c(response as string)}_t *ret, ${w}_status_t *err) {`,
      `  ${w}_context_free(ctx);`,
      // wit-bindgen declares a `_free` only for types that own memory (strings, lists).
      `  (void)request;  // ${w}_${c(request as string)}_free(request) if ${w}.h declares it`,
      "  err->code = VIMANA_GRPC_IMPORTS_CODE_UNIMPLEMENTED;",
      `  ${w}_string_dup(&err->message, "${fn} is not implemented yet");`,
      "  return false;",
      "}",
      "",
    ].join("\n"),
  );
  return [
    `// Implements ${basename(proto)} against ${w}.h, the glue wit-bindgen generates into`,
    "// build/<component>/bindings/: fill `ret` and return true, or fill `err` and return false.",
    "// Arguments are yours to free; strings you return are malloc'd (the glue frees them).",
    "#include <stdlib.h>",
    "",
    `#include "${w}.h"`,
    "",
    ...stubs,
  ].join("\n");
}

/** The first service and method of a `.proto` text, and a sample request, for the README. */
function serviceOf(proto: string, pkg: string): { name: string; method: string; request: string } {
  const packageName = /^\s*package\s+([\w.]+)\s*;/m.exec(proto)?.[1] ?? pkg;
  const service = /^\s*service\s+(\w+)/m.exec(proto)?.[1] ?? "Service";
  const method = /^\s*rpc\s+(\w+)/m.exec(proto)?.[1] ?? "Method";
  const request =
    service === "Greeter"
      ? '{"name":"Ada"}'
      : service === "Calculator"
        ? '{"dividend":1,"divisor":4}'
        : "{}";
  return { name: `${packageName}.${service}`, method, request };
}
