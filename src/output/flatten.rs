//! A serde `Serializer` that files a record's leaves under flat column
//! names (keys joined by `_`), for the score table's `RowLayout::row`: the
//! score table's rows straight from the records, with no JSON text written
//! and read back in between. It follows `serde_json`'s data model, so a row
//! holds what the record's JSON line read back would: non-finite floats are
//! null, unit variants their name, sequences and the [`AS_JSON`] parts
//! their JSON text.

use std::collections::HashMap;

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::Value;

/// Parts of a score line written as one JSON text column.
pub(super) const AS_JSON: &[&str] = &["behavior_annotations", "explanation", "trajectory"];

/// One value of a row, as the record serialises it.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
}

/// A value that cannot be flattened (a map key that is not text or a
/// number), or serde's own message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct FlattenError(String);

impl FlattenError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl ser::Error for FlattenError {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// The serializer: the columns by name, the path so far and the cells filed.
pub(super) struct Flatten<'a> {
    columns: &'a HashMap<String, usize>,
    path: String,
    cells: Vec<(usize, Cell)>,
}

impl<'a> Flatten<'a> {
    /// Flattens `value` into (column, cell) pairs for the columns named in
    /// `columns`.
    pub(super) fn row<T: Serialize + ?Sized>(
        columns: &'a HashMap<String, usize>,
        value: &T,
    ) -> Result<Vec<(usize, Cell)>, FlattenError> {
        let mut flatten = Flatten {
            columns,
            path: String::with_capacity(64),
            cells: Vec::with_capacity(columns.len()),
        };
        value.serialize(&mut flatten)?;
        Ok(flatten.cells)
    }

    /// Files `cell` under the current path, if the table has that column.
    fn leaf(&mut self, cell: Cell) {
        if let Some(&column) = self.columns.get(self.path.as_str()) {
            self.cells.push((column, cell));
        }
    }

    /// Serialises `value` under `key` below the current path; a top-level
    /// [`AS_JSON`] part as its JSON text.
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), FlattenError> {
        let len = self.path.len();
        if len > 0 {
            self.path.push('_');
        }
        self.path.push_str(key);
        let done = if len == 0 && AS_JSON.contains(&key) {
            serde_json::to_string(value)
                .map(|text| self.leaf(Cell::Text(text)))
                .map_err(|e| FlattenError::new(e.to_string()))
        } else {
            value.serialize(&mut *self)
        };
        self.path.truncate(len);
        done
    }
}

fn json<T: Serialize + ?Sized>(value: &T) -> Result<Value, FlattenError> {
    serde_json::to_value(value).map_err(|e| FlattenError::new(e.to_string()))
}

/// Serializer methods that widen their integer and hand it to `$to`.
macro_rules! widen_to {
    ($to:ident: $($method:ident($t:ty)),*) => {$(
        fn $method(self, v: $t) -> Result<(), FlattenError> {
            self.$to(v.into())
        }
    )*};
}

impl<'a, 'b> ser::Serializer for &'a mut Flatten<'b> {
    type Ok = ();
    type Error = FlattenError;
    type SerializeSeq = Sequence<'a, 'b>;
    type SerializeTuple = Sequence<'a, 'b>;
    type SerializeTupleStruct = Sequence<'a, 'b>;
    type SerializeTupleVariant = Sequence<'a, 'b>;
    type SerializeMap = Map<'a, 'b>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Variant<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), FlattenError> {
        self.leaf(Cell::Bool(v));
        Ok(())
    }
    widen_to!(serialize_i64: serialize_i8(i8), serialize_i16(i16), serialize_i32(i32));
    widen_to!(serialize_u64: serialize_u8(u8), serialize_u16(u16), serialize_u32(u32));
    fn serialize_i64(self, v: i64) -> Result<(), FlattenError> {
        self.leaf(Cell::Int(v));
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), FlattenError> {
        self.leaf(Cell::UInt(v));
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), FlattenError> {
        // As serde_json writes it (f32's shortest digits, null when not
        // finite) and reads it back.
        let text = serde_json::to_string(&v).map_err(|e| FlattenError::new(e.to_string()))?;
        self.leaf(text.parse().map_or(Cell::Null, Cell::Float));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), FlattenError> {
        // serde_json writes a non-finite float as null.
        self.leaf(if v.is_finite() {
            Cell::Float(v)
        } else {
            Cell::Null
        });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), FlattenError> {
        self.leaf(Cell::Text(v.to_string()));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), FlattenError> {
        self.leaf(Cell::Text(v.to_owned()));
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), FlattenError> {
        self.leaf(Cell::Text(json(v)?.to_string()));
        Ok(())
    }
    fn serialize_none(self) -> Result<(), FlattenError> {
        self.leaf(Cell::Null);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlattenError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), FlattenError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), FlattenError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        self.field(variant, value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Sequence<'a, 'b>, FlattenError> {
        Ok(Sequence {
            flatten: self,
            variant: None,
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Sequence<'a, 'b>, FlattenError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Sequence<'a, 'b>, FlattenError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Sequence<'a, 'b>, FlattenError> {
        Ok(Sequence {
            flatten: self,
            variant: Some(variant),
            items: Vec::with_capacity(len),
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map<'a, 'b>, FlattenError> {
        Ok(Map {
            flatten: self,
            key: String::new(),
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, FlattenError> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Variant<'a, 'b>, FlattenError> {
        let len = self.path.len();
        if len > 0 {
            self.path.push('_');
        }
        self.path.push_str(variant);
        Ok(Variant { flatten: self, len })
    }
}

impl ser::SerializeStruct for &mut Flatten<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

/// A struct variant's fields, below its name.
pub(super) struct Variant<'a, 'b> {
    flatten: &'a mut Flatten<'b>,
    /// The path's length before the variant's name.
    len: usize,
}

impl ser::SerializeStructVariant for Variant<'_, '_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        self.flatten.field(key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        self.flatten.path.truncate(self.len);
        Ok(())
    }
}

/// A map's entries (and `#[serde(flatten)]` fields, which serde writes as
/// map entries), each under its key.
pub(super) struct Map<'a, 'b> {
    flatten: &'a mut Flatten<'b>,
    key: String,
}

impl ser::SerializeMap for Map<'_, '_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), FlattenError> {
        self.key = key.serialize(KeyText)?;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        let key = std::mem::take(&mut self.key);
        self.flatten.field(&key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

/// A sequence's items, whose JSON text is one cell (as a score line's
/// array read back into a text column).
pub(super) struct Sequence<'a, 'b> {
    flatten: &'a mut Flatten<'b>,
    /// A tuple variant's name: the cell goes below it.
    variant: Option<&'static str>,
    items: Vec<Value>,
}

impl Sequence<'_, '_> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.items.push(json(value)?);
        Ok(())
    }

    fn finish(self) -> Result<(), FlattenError> {
        let text = Value::Array(self.items).to_string();
        if let Some(variant) = self.variant {
            self.flatten.field(variant, &RawText(&text))
        } else {
            self.flatten.leaf(Cell::Text(text));
            Ok(())
        }
    }
}

/// Text filed as it is (a tuple variant's JSON below its name).
struct RawText<'a>(&'a str);

impl Serialize for RawText<'_> {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

macro_rules! sequence {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Sequence<'_, '_> {
            type Ok = ();
            type Error = FlattenError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
                self.push(value)
            }
            fn end(self) -> Result<(), FlattenError> {
                self.finish()
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// [`KeyText`] methods that write their value's digits (or `true`/`false`).
macro_rules! key_digits {
    ($($method:ident($t:ty)),*) => {$(
        fn $method(self, v: $t) -> Result<String, FlattenError> {
            Ok(v.to_string())
        }
    )*};
}

/// A map key as the text `serde_json` writes for it: a string as it is, a
/// number or bool as its digits; anything else is refused, as by `serde_json`.
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = FlattenError;
    type SerializeSeq = Impossible<String, FlattenError>;
    type SerializeTuple = Impossible<String, FlattenError>;
    type SerializeTupleStruct = Impossible<String, FlattenError>;
    type SerializeTupleVariant = Impossible<String, FlattenError>;
    type SerializeMap = Impossible<String, FlattenError>;
    type SerializeStruct = Impossible<String, FlattenError>;
    type SerializeStructVariant = Impossible<String, FlattenError>;

    fn serialize_str(self, v: &str) -> Result<String, FlattenError> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, FlattenError> {
        Ok(v.to_string())
    }
    key_digits!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64)
    );
    fn serialize_f32(self, _: f32) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, FlattenError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, FlattenError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, FlattenError> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, FlattenError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, FlattenError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, FlattenError> {
        Err(key_error())
    }
}

fn key_error() -> FlattenError {
    FlattenError::new("a map key must be text or a whole number")
}

#[cfg(test)]
#[path = "flatten_tests.rs"]
mod tests;
