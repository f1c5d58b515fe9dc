//! Calling any RPC by name with raw protobuf bytes, so that one helper reaches every method of
//! the descriptor set, streaming or not, without its generated client.

use bytes::{Buf, BufMut, Bytes};
use scpf_reports::methods::{Method, Streaming};
use tonic::{
    Code, Request, Status,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
    metadata::MetadataValue,
    transport::Channel,
};

/// Passes message bytes through unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Calls `method` with one empty message (the request with every field at its default) and the
/// given `authorization` header, and returns the call's final code. For server streams, the
/// first message or status counts.
pub async fn call_empty(channel: &Channel, method: &Method, authorization: Option<&str>) -> Code {
    match call_bytes(channel, method, Bytes::new(), authorization).await {
        Ok(()) => Code::Ok,
        Err(status) => status.code(),
    }
}

/// Calls `method` with one message of exactly these bytes, and returns how the call ended. For
/// server streams, the first message or status counts.
pub async fn call_bytes(
    channel: &Channel,
    method: &Method,
    message: Bytes,
    authorization: Option<&str>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel.clone());
    grpc.ready().await.expect("the channel is ready");
    let path = format!("/{}", method.full_name).try_into().unwrap();
    fn with_header<T>(message: T, authorization: Option<&str>) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(value) = authorization {
            request.metadata_mut().insert(
                "authorization",
                MetadataValue::try_from(value).expect("an ASCII header"),
            );
        }
        request
    }
    let request = |message| with_header(message, authorization);
    let stream = |message| with_header(futures::stream::iter([message]), authorization);
    match method.streaming {
        Streaming::Unary => grpc
            .unary::<_, Bytes, _>(request(message), path, RawCodec)
            .await
            .map(drop),
        Streaming::ClientStream => grpc
            .client_streaming::<_, _, Bytes, _>(stream(message), path, RawCodec)
            .await
            .map(drop),
        Streaming::ServerStream => {
            match grpc
                .server_streaming::<_, Bytes, _>(request(message), path, RawCodec)
                .await
            {
                Ok(response) => response.into_inner().message().await.map(drop),
                Err(status) => Err(status),
            }
        }
        Streaming::BidiStream => {
            match grpc
                .streaming::<_, _, Bytes, _>(stream(message), path, RawCodec)
                .await
            {
                Ok(response) => response.into_inner().message().await.map(drop),
                Err(status) => Err(status),
            }
        }
    }
}
