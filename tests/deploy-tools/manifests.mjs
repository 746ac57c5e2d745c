// Reads YAML for the deploy tests and prints JSON on stdout.
//   node manifests.mjs json <file>      every YAML document of the file, as a JSON array
//   node manifests.mjs validate <file>  every Kubernetes object (e.g. `helm template` output) checked against the
//                                       Kubernetes OpenAPI schemas shipped by kubernetes-models:
//                                       {"objects":[{"apiVersion","kind","name","errors":[...],"object":{...}}]}
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const [mode, file] = process.argv.slice(2);
if (!["json", "validate"].includes(mode) || !file) {
  console.error("usage: node manifests.mjs json|validate <file>");
  process.exit(2);
}

const documents = [];
for (const doc of parseAllDocuments(readFileSync(file, "utf8"), { merge: true })) {
  if (doc.errors.length > 0) {
    console.error(doc.errors.map((e) => e.message).join("\n"));
    process.exit(1);
  }
  const value = doc.toJS({ maxAliasCount: 100 });
  if (value !== null && value !== undefined) {
    documents.push(value);
  }
}

if (mode === "json") {
  process.stdout.write(JSON.stringify(documents));
  process.exit(0);
}

// apiVersion "v1" → kubernetes-models/v1/Kind; "apps/v1" → kubernetes-models/apps/v1/Kind.
async function modelFor(apiVersion, kind) {
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}

const objects = [];
for (const object of documents) {
  const { apiVersion, kind } = object;
  const name = object.metadata?.name ?? null;
  const Model = await modelFor(apiVersion, kind);
  let errors = [];
  if (!Model) {
    errors = [`no schema for ${apiVersion} ${kind}`];
  } else {
    try {
      new Model(object).validate();
    } catch (e) {
      errors = e.errors?.length ? e.errors.map((x) => `${x.instancePath} ${x.message}`) : [e.message];
    }
  }
  objects.push({ apiVersion, kind, name, errors, object });
}
process.stdout.write(JSON.stringify({ objects }));
