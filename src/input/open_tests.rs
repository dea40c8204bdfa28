use std::io::{self, Read};

use super::plain_of;

/// `bytes` opened as an input named `t.zst`, read to the end.
fn read_all(bytes: Vec<u8>) -> io::Result<Vec<u8>> {
    let plain = plain_of(Box::new(io::Cursor::new(bytes)), "t.zst", None)?;
    let mut out = Vec::new();
    plain.into_reader().read_to_end(&mut out)?;
    Ok(out)
}

/// A skippable frame (magic 0x184D2A50–5F) of `payload`.
fn skippable(payload: &[u8]) -> Vec<u8> {
    let mut frame = 0x184D_2A5A_u32.to_le_bytes().to_vec();
    frame.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_le_bytes());
    frame.extend_from_slice(payload);
    frame
}

#[test]
fn zstd_frames_in_a_row_read_as_one_text_skippable_frames_skipped() {
    let mut z = zstd::encode_all(&b"{\"a\":1}\n"[..], 3).unwrap();
    z.extend(skippable(b"metadata"));
    z.extend(zstd::encode_all(&b"{\"b\":2}\n"[..], 19).unwrap());
    z.extend(skippable(b""));
    assert_eq!(read_all(z).unwrap(), b"{\"a\":1}\n{\"b\":2}\n");
}

#[test]
fn a_large_zstd_input_reads_back_whole() {
    let text: Vec<u8> = (0..20_000)
        .flat_map(|i| format!("{{\"trip\":{i},\"x\":[1,2,3]}}\n").into_bytes())
        .collect();
    let z = zstd::encode_all(text.as_slice(), 1).unwrap();
    assert_eq!(read_all(z).unwrap(), text);
}

#[test]
fn truncated_or_corrupt_zstd_is_an_error_naming_zstd() {
    let text = b"{\"a\":1}\n".repeat(5_000);
    let z = zstd::encode_all(text.as_slice(), 3).unwrap();
    let truncated = z[..z.len() / 2].to_vec();
    let mut corrupt = z.clone();
    for b in &mut corrupt[8..24] {
        *b ^= 0xA5;
    }
    for bad in [truncated, corrupt] {
        let err = read_all(bad).expect_err("a broken frame is an error");
        assert!(err.to_string().contains("zstd"), "{err}");
    }
}
