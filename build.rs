//! Compiles every `.proto` under `proto/` with protox (no system `protoc`), generates the tonic
//! server and client code, and writes the file descriptor set that server reflection and the
//! canonical JSON encoder read at run time.

use std::{env, fs, io, path::Path, path::PathBuf};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    collect_protos(Path::new("proto"), &mut files)?;
    files.sort();
    println!("cargo:rerun-if-changed=proto");

    let fds = protox::compile(&files, ["proto"])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    fs::write(out_dir.join("scpf_descriptor.bin"), fds.encode_to_vec())?;

    let mut config = prost_build::Config::new();
    // `prost::Name` on every message, so that a message can be encoded as canonical JSON by name.
    config.enable_type_names();
    tonic_prost_build::configure()
        // Deterministic encoding: the idempotency check hashes encoded requests.
        .btree_map(".")
        // prost's codec, with requests checked at the edge (src/api/codec.rs).
        .codec_path("crate::api::codec::Codec")
        .compile_fds_with_config(fds, config)?;
    Ok(())
}

fn collect_protos(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_protos(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
    Ok(())
}
