//! TypeScript declarations from the types' JSON Schemas
//! (`extract::relay::typescript`): snapshots for the conference types and
//! edge shapes, and `tsc --strict` checking a small client against them
//! and the JavaScript client's declarations (`CLIENT_DTS`). The `tsc` test
//! installs `typescript` from the npm registry; it skips, loudly, when npm
//! or the registry is unavailable.

use std::path::{Path, PathBuf};
use std::process::Command;

use extract::relay::{typescript, TypeScript, CLIENT_DTS};
use insta::assert_snapshot;

use crate::seeds::ExtractionValues;
use crate::shapes::{Adjacent, Everything, Inner, Page, Tagged, Tree};

#[test]
fn conference_types() {
    assert_snapshot!("typescript_conference", typescript::<ExtractionValues>());
}

#[test]
fn edge_shapes() {
    // Tuples, maps, nullable fields, any JSON, unit and data enums
    // (external, internal, adjacent), renames, boxes, recursion, generics.
    let ts = TypeScript::new()
        .with::<Everything>()
        .with::<Adjacent>()
        .with::<Tree>()
        .with::<Page<Inner>>()
        .to_string();
    assert_snapshot!("typescript_edge_shapes", ts);
}

#[test]
fn a_type_used_twice_is_declared_once() {
    let ts = TypeScript::new()
        .with::<Tagged>()
        .with::<Everything>()
        .to_string();
    assert_eq!(ts.matches("export type Tagged =").count(), 1, "{ts}");
    assert_eq!(ts.matches("export type PartialTagged =").count(), 1, "{ts}");
}

/// A page's TypeScript, typed by the generated declarations; the lines
/// marked `@ts-expect-error` must be errors.
const CLIENT_TS: &str = r#"
import type { ExtractionValues, PartialExtractionValues, PartialUserExtract, Everything, PartialTree } from "./types";

function render(state: PartialExtractionValues, progress: ExtractRelay.Progress): number {
  const users: PartialUserExtract[] = state.users ?? [];
  let shown = 0;
  for (const [i, user] of users.entries()) {
    const name: string = user.name ?? "";
    const writing = progress.active === `/users/${i}/name`;
    const done = progress.isComplete(`/users/${i}`);
    if (writing || done) shown += name.length;
  }
  const budget: number | undefined = state.budget;
  return shown + (budget ?? 0);
}

function final(value: ExtractionValues): string {
  return value.date + value.users.map((u) => u.name + u.twitter).join(",") + value.budget.toFixed(0);
}

function tree(node: PartialTree): number {
  return 1 + (node.children ?? []).map(tree).reduce((a, b) => a + b, 0);
}

function everything(e: Everything): string {
  const point: [number, number] | undefined = e.byName["a"];
  const maybe: number | null | undefined = e.maybe;
  return String(point?.[0]) + String(maybe) + e["renamed!"] + e.color;
}

async function main(): Promise<void> {
  const controller = new AbortController();
  const result = await ExtractRelay.stream<ExtractionValues, PartialExtractionValues>(
    "/extract?format=sse",
    { method: "POST", body: "notes", signal: controller.signal },
    {
      onState: render,
      onDone(value) { console.log(final(value)); },
      onError(error) { console.log(error.kind, error.partial?.users?.length); },
      onReconnect(info) { console.log(info.attempt, info.after, info.delay); },
      onBytes(n) { console.log(n); },
    },
    { reconnect: { attempts: 3, delay: 100 } },
  );
  console.log(result.streamId, result.reconnects, result.value?.location, result.state.date);
  const off = await ExtractRelay.stream("/x", {}, {}, { reconnect: false, format: "ndjson" });
  console.log(off.done, tree({}), everything);

  const partial: PartialExtractionValues = {};
  // @ts-expect-error a budget is a number, in the partial too
  partial.budget = "50000";
  // @ts-expect-error the final value has every required field
  const incomplete: ExtractionValues = { date: "today" };
  // @ts-expect-error onState's state is the partial
  await ExtractRelay.stream<ExtractionValues, PartialExtractionValues>("/x", {}, { onState(state: ExtractionValues) { console.log(state); } });
  console.log(incomplete);
}

void main();
"#;

/// `tsc` installed from the npm registry under the target directory
/// (once), or why not.
fn tsc() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("typescript");
    let tsc = dir.join("node_modules/typescript/bin/tsc");
    if tsc.exists() {
        return Ok(tsc);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--silent",
            "--prefix",
        ])
        .arg(&dir)
        .arg("typescript@5")
        .output()
        .map_err(|e| format!("`npm` cannot be run: {e}"))?;
    if !output.status.success() || !tsc.exists() {
        return Err(format!(
            "`npm install typescript` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(tsc)
}

#[test]
fn a_client_type_checks_against_the_generated_declarations() {
    let tsc = match tsc() {
        Ok(tsc) => tsc,
        Err(why) => {
            eprintln!(
                "\n==== SKIPPED: a_client_type_checks_against_the_generated_declarations ====\n\
                 {why}\nThe generated TypeScript was NOT type-checked. It needs Node.js, npm and \
                 the npm registry (`apt-get install -y npm`).\n"
            );
            return;
        }
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("typescript_client");
    std::fs::create_dir_all(&dir).unwrap();
    let types = TypeScript::new()
        .with::<ExtractionValues>()
        .with::<Everything>()
        .with::<Adjacent>()
        .with::<Tree>()
        .with::<Page<Inner>>()
        .to_string();
    std::fs::write(dir.join("types.ts"), types).unwrap();
    std::fs::write(dir.join("relay.d.ts"), CLIENT_DTS).unwrap();
    std::fs::write(dir.join("client.ts"), CLIENT_TS).unwrap();
    let output = Command::new("node")
        .arg(&tsc)
        .args([
            "--noEmit",
            "--strict",
            "--noUnusedLocals",
            "--target",
            "es2020",
            "--module",
            "es2020",
            "--moduleResolution",
            "node",
            "--lib",
            "es2020,dom,dom.iterable",
            "relay.d.ts",
            "types.ts",
            "client.ts",
        ])
        .current_dir(&dir)
        .output()
        .expect("node runs tsc");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "tsc --strict rejects the generated declarations or the client:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
