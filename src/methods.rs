//! Every RPC the server answers, read from the descriptor sets compiled into the binary. The auth
//! policy, the metrics and the traces all name methods from this one list, so an RPC added to a
//! `.proto` file appears in each of them without being typed again.

use std::{collections::BTreeMap, sync::OnceLock};

use prost_reflect::DescriptorPool;

/// The package of this service's own API.
pub const API_PACKAGE: &str = "scpf.v1";

/// Which side streams, as Prometheus' `grpc_type` label names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Streaming {
    Unary,
    ClientStream,
    ServerStream,
    BidiStream,
}

impl Streaming {
    pub fn label(self) -> &'static str {
        match self {
            Streaming::Unary => "unary",
            Streaming::ClientStream => "client_stream",
            Streaming::ServerStream => "server_stream",
            Streaming::BidiStream => "bidi_stream",
        }
    }
}

/// One RPC method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// `scpf.v1.OrganizationService/GetOrganization`: the HTTP/2 path without its leading `/`,
    /// and the `rpc.method` of a trace.
    pub full_name: String,
    /// `scpf.v1.OrganizationService`.
    pub service: String,
    /// `GetOrganization`.
    pub name: String,
    pub streaming: Streaming,
}

impl Method {
    /// Whether the method belongs to this service's own API (not health or reflection).
    pub fn is_api(&self) -> bool {
        self.service
            .strip_prefix(API_PACKAGE)
            .is_some_and(|rest| rest.starts_with('.'))
    }
}

/// The methods by full name.
#[derive(Debug)]
pub struct Catalog {
    methods: BTreeMap<String, Method>,
}

impl Catalog {
    /// The method a request path (`/package.Service/Method`) names, if the server knows it.
    pub fn by_path(&self, path: &str) -> Option<&Method> {
        self.methods.get(path.strip_prefix('/')?)
    }

    /// Every method of the `scpf.v1` API, in name order.
    pub fn api_methods(&self) -> impl Iterator<Item = &Method> {
        self.methods.values().filter(|m| m.is_api())
    }

    /// Every known method, in name order.
    pub fn all(&self) -> impl Iterator<Item = &Method> {
        self.methods.values()
    }

    /// A catalog of the given methods (the binary's own is [`catalog`]).
    pub fn from_methods(methods: impl IntoIterator<Item = Method>) -> Catalog {
        Catalog {
            methods: methods
                .into_iter()
                .map(|m| (m.full_name.clone(), m))
                .collect(),
        }
    }
}

/// The catalog of this binary: the API, health, and both reflection versions.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut methods = BTreeMap::new();
        for set in [
            crate::pb::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ] {
            // Embedded at build time from descriptors protox or tonic produced: valid by
            // construction, like the pool `pb::json` decodes.
            let pool = DescriptorPool::decode(set).expect("embedded descriptor sets decode");
            for service in pool.services() {
                for method in service.methods() {
                    let streaming =
                        match (method.is_client_streaming(), method.is_server_streaming()) {
                            (false, false) => Streaming::Unary,
                            (true, false) => Streaming::ClientStream,
                            (false, true) => Streaming::ServerStream,
                            (true, true) => Streaming::BidiStream,
                        };
                    let full_name = format!("{}/{}", service.full_name(), method.name());
                    methods.insert(
                        full_name.clone(),
                        Method {
                            full_name,
                            service: service.full_name().to_owned(),
                            name: method.name().to_owned(),
                            streaming,
                        },
                    );
                }
            }
        }
        Catalog { methods }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_kinds_come_from_the_descriptors() {
        let catalog = catalog();
        let kind = |path: &str| catalog.by_path(path).map(|m| m.streaming);
        assert_eq!(
            kind("/scpf.v1.OrganizationService/GetOrganization"),
            Some(Streaming::Unary)
        );
        assert_eq!(
            kind("/scpf.v1.ReportService/ExportReport"),
            Some(Streaming::ServerStream)
        );
        assert_eq!(
            kind("/scpf.v1.ContributionService/ImportContributions"),
            Some(Streaming::ClientStream)
        );
        assert_eq!(
            kind("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            Some(Streaming::BidiStream)
        );
        assert_eq!(kind("/scpf.v1.Nothing/Here"), None);
    }

    #[test]
    fn only_the_api_package_counts_as_api() {
        let catalog = catalog();
        assert!(
            catalog
                .api_methods()
                .all(|m| m.full_name.starts_with("scpf.v1."))
        );
        assert!(catalog.all().any(|m| m.service == "grpc.health.v1.Health"));
    }
}
