use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use serde::Serialize;

use crate::output::ScoreColumns;

#[derive(Serialize)]
struct Inner {
    a_mm: u64,
    ratio: f64,
    missing: Option<f64>,
}

#[derive(Serialize)]
enum Mode {
    Car,
}

#[derive(Serialize)]
struct Record {
    name: String,
    mode: Mode,
    #[serde(flatten)]
    inner: Inner,
    not_finite: f64,
    flag: bool,
    list: Vec<u8>,
    keyed: BTreeMap<u32, i64>,
    behavior_annotations: Vec<Inner>,
}

fn record() -> Record {
    Record {
        name: "n".into(),
        mode: Mode::Car,
        inner: Inner {
            a_mm: 7,
            ratio: 0.1,
            missing: None,
        },
        not_finite: f64::NAN,
        flag: true,
        list: vec![1, 2],
        keyed: BTreeMap::from([(1, -5)]),
        behavior_annotations: vec![Inner {
            a_mm: 3,
            ratio: 2.5,
            missing: Some(1.0),
        }],
    }
}

fn text(batch: &RecordBatch, column: &str, row: usize) -> Option<String> {
    let c = batch.column_by_name(column).unwrap();
    (!c.is_null(row)).then(|| c.as_string::<i32>().value(row).to_owned())
}

fn float(batch: &RecordBatch, column: &str, row: usize) -> Option<f64> {
    let c = batch.column_by_name(column).unwrap();
    (!c.is_null(row)).then(|| c.as_primitive::<Float64Type>().value(row))
}

/// A record flattened straight into a row holds what its JSON line read
/// back holds: names joined by `_`, flattened fields at their parent's
/// level, NaN as null, a unit variant by name, a bool as a boolean, a
/// sequence as its JSON text,
/// map keys as text, an `AS_JSON` part as its JSON text.
#[test]
fn a_row_holds_what_the_json_line_holds() {
    let rec = record();
    let template = serde_json::to_value(&rec).unwrap();
    let mut table = ScoreColumns::new(&template, &[]);
    let row = table.layout().row(&rec).unwrap();
    table.push_row(row);
    table
        .push_line(&serde_json::to_string(&rec).unwrap())
        .unwrap();
    let batch = table.take_batch().unwrap();
    assert_eq!(batch.num_rows(), 2);
    for r in 0..2 {
        assert_eq!(text(&batch, "name", r).as_deref(), Some("n"));
        assert_eq!(text(&batch, "mode", r).as_deref(), Some("Car"));
        assert_eq!(float(&batch, "a_mm", r), Some(7.0));
        assert_eq!(float(&batch, "ratio", r), Some(0.1));
        assert_eq!(text(&batch, "missing", r), None);
        assert_eq!(text(&batch, "not_finite", r), None);
        let flag = batch.column_by_name("flag").unwrap().as_boolean();
        assert!(flag.is_valid(r) && flag.value(r));
        assert_eq!(text(&batch, "list", r).as_deref(), Some("[1,2]"));
        assert_eq!(float(&batch, "keyed_1", r), Some(-5.0));
        let part: serde_json::Value =
            serde_json::from_str(&text(&batch, "behavior_annotations", r).unwrap()).unwrap();
        assert_eq!(
            part,
            serde_json::json!([{"a_mm": 3, "ratio": 2.5, "missing": 1.0}])
        );
    }
    // Columns the table has no leaf for are null: the error columns here.
    assert_eq!(text(&batch, "error_message", 0), None);
}
