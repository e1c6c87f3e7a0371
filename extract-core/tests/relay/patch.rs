//! Patches: applied in order to `{}`, they reproduce every snapshot, for
//! monotone streams and for arbitrary values alike; their size grows
//! linearly with the answer.

use extract_core::relay::{apply, diff, Differ, Op, PatchMode};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::support::{arb_object, arb_value, monotone_snapshots, step_by_step, steps};

const MODES: [PatchMode; 2] = [PatchMode::Append, PatchMode::Strict];

/// Plays `snapshots` through a differ and a receiver starting from `{}`,
/// the ops going over the wire as JSON text, and checks the receiver
/// after each patch.
fn replay(snapshots: &[Value], mode: PatchMode) -> Result<(), TestCaseError> {
    let mut differ = Differ::new(mode);
    let mut receiver = json!({});
    for (step, snapshot) in snapshots.iter().enumerate() {
        let ops = differ.next(snapshot.clone());
        if mode == PatchMode::Strict {
            let appends = ops.iter().any(|op| matches!(op, Op::Append { .. }));
            prop_assert!(!appends, "strict mode sent an append");
        }
        let wire = serde_json::to_string(&ops).unwrap();
        let received: Vec<Op> = serde_json::from_str(&wire).unwrap();
        apply(&mut receiver, &received).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&receiver, snapshot, "step {} with {}", step, wire);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn monotone_streams_are_reproduced(
        value in arb_object(),
        points in prop::collection::vec(any::<usize>(), 0..24),
    ) {
        let snapshots = monotone_snapshots(&value, &points);
        for mode in MODES {
            replay(&snapshots, mode)?;
        }
    }

    #[test]
    fn step_by_step_streams_are_reproduced(value in arb_object()) {
        let snapshots = step_by_step(&value);
        replay(&snapshots, PatchMode::Append)?;
    }

    #[test]
    fn arbitrary_sequences_are_reproduced(
        snapshots in prop::collection::vec(arb_value(), 1..6),
    ) {
        for mode in MODES {
            replay(&snapshots, mode)?;
        }
    }

    #[test]
    fn any_pair_diffs_correctly(old in arb_value(), new in arb_value()) {
        for mode in MODES {
            let mut doc = old.clone();
            apply(&mut doc, &diff(&old, &new, mode)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&doc, &new);
        }
        prop_assert!(diff(&new, &new, PatchMode::Append).is_empty());
    }

    #[test]
    fn applying_garbage_never_panics(doc in arb_value(), ops in prop::collection::vec(arb_op(), 0..6)) {
        let mut doc = doc;
        let _ = apply(&mut doc, &ops);
    }
}

fn arb_op() -> impl Strategy<Value = Op> {
    let path = "(/([a-z~/01-]{0,3}|[0-9]{1,2}))*{0,3}";
    prop_oneof![
        (path, arb_value())
            .prop_map(|(path, value)| op(json!({"op": "add", "path": path, "value": value}))),
        (path, arb_value())
            .prop_map(|(path, value)| op(json!({"op": "replace", "path": path, "value": value}))),
        path.prop_map(|path| op(json!({"op": "remove", "path": path}))),
        (path, ".{0,3}")
            .prop_map(|(path, value)| op(json!({"op": "append", "path": path, "value": value}))),
    ]
}

fn op(value: Value) -> Op {
    serde_json::from_value(value).expect("a well-formed op")
}

/// A document shaped like the conference extraction, `users` long.
fn conference(users: usize) -> Value {
    let users: Vec<Value> = (0..users)
        .map(|i| {
            json!({
                "name": format!("Participant Number {i} With A Longer Name"),
                "handle": format!("participant{i}@example.com"),
                "twitter": format!("@Participant{i}_Handle"),
            })
        })
        .collect();
    json!({
        "users": users,
        "date": "March 15th, 2024",
        "location": "Grand Tech Arena, 4521 Innovation Drive",
        "budget": 50000,
        "deadline": "February 20th",
    })
}

/// Bytes on the wire for `value` streamed `chunk` steps at a time:
/// (whole snapshots, patches).
fn wire_bytes(value: &Value, chunk: usize) -> (usize, usize) {
    let points: Vec<usize> = (chunk..steps(value)).step_by(chunk).collect();
    let snapshots = monotone_snapshots(value, &points);
    let mut differ = Differ::new(PatchMode::Append);
    let (mut whole, mut patches) = (0, 0);
    for snapshot in snapshots {
        whole += serde_json::to_string(&snapshot).unwrap().len();
        patches += serde_json::to_string(&differ.next(snapshot)).unwrap().len();
    }
    (whole, patches)
}

#[test]
fn patch_bytes_grow_linearly_snapshot_bytes_quadratically() {
    let (whole_1, patches_1) = wire_bytes(&conference(20), 8);
    let (whole_2, patches_2) = wire_bytes(&conference(40), 8);
    let ratio = |a: usize, b: usize| b as f64 / a as f64;
    assert!(
        ratio(patches_1, patches_2) < 2.2,
        "patches {patches_1} -> {patches_2}"
    );
    assert!(
        ratio(whole_1, whole_2) > 3.5,
        "snapshots {whole_1} -> {whole_2}"
    );
}

#[test]
fn a_long_string_costs_its_length_in_append_mode() {
    let text: String = "lorem ipsum ".repeat(200);
    let value = json!({ "text": text });
    let mut differ = Differ::new(PatchMode::Append);
    let mut appended = 0;
    for snapshot in step_by_step(&value) {
        for op in differ.next(snapshot) {
            if let Op::Append { value, .. } = op {
                appended += value.len();
            }
        }
    }
    assert_eq!(appended, text.len(), "every byte once");
}

/// Applies ops with `json-patch`, an independent RFC 6902 implementation.
fn apply_elsewhere(doc: &mut Value, ops: &[Op]) -> Result<(), TestCaseError> {
    let wire = serde_json::to_value(ops).unwrap();
    let patch: json_patch::Patch =
        serde_json::from_value(wire).map_err(|e| TestCaseError::fail(e.to_string()))?;
    json_patch::patch(doc, &patch).map_err(|e| TestCaseError::fail(e.to_string()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn strict_patches_apply_with_another_rfc_6902_implementation(
        value in arb_object(),
        points in prop::collection::vec(any::<usize>(), 0..24),
        other in arb_value(),
    ) {
        let mut snapshots = monotone_snapshots(&value, &points);
        snapshots.push(other);
        let mut differ = Differ::new(PatchMode::Strict);
        let mut receiver = json!({});
        for snapshot in snapshots {
            apply_elsewhere(&mut receiver, &differ.next(snapshot.clone()))?;
            prop_assert_eq!(&receiver, &snapshot);
        }
    }
}
