//! Roles, permissions, and the one table that says which permission each RPC needs.

use std::collections::HashMap;

use crate::methods::Catalog;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Every read: Get, List, Diff, Export.
    Viewer,
    /// Reads and every data write.
    Editor,
    /// Reads, and generating and finalizing reports.
    Reporter,
    /// Everything.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Reporter, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Reporter => "reporter",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Whether this role may call a method that needs `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        matches!(
            (self, permission),
            (Role::Admin, _)
                | (_, Permission::Read)
                | (Role::Editor, Permission::Write)
                | (Role::Reporter, Permission::Report)
        )
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a method needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Reading data, reports and the audit trail.
    Read,
    /// Writing data: organizations, sessions, programmes, indicators, measurements,
    /// contributions, receipts, rates, allocations, imports.
    Write,
    /// Generating and finalizing reports.
    Report,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::Write => "write",
            Permission::Report => "report",
        }
    }
}

use Permission::{Read, Report, Write};

/// Every `scpf.v1` method and the permission it needs. The server refuses to start when a method
/// of the descriptor set is missing here, so a new RPC cannot be served by accident.
const PERMISSIONS: &[(&str, Permission)] = &[
    ("scpf.v1.AllocationService/CreateAllocation", Write),
    ("scpf.v1.AllocationService/GetAllocation", Read),
    ("scpf.v1.AllocationService/ListAllocations", Read),
    ("scpf.v1.AllocationService/UpdateAllocation", Write),
    ("scpf.v1.AuditService/GetAuditEvent", Read),
    ("scpf.v1.AuditService/ListAuditEvents", Read),
    ("scpf.v1.ContributionService/AmendContribution", Write),
    ("scpf.v1.ContributionService/CorrectReceipt", Write),
    ("scpf.v1.ContributionService/CreateContribution", Write),
    ("scpf.v1.ContributionService/GetContribution", Read),
    ("scpf.v1.ContributionService/GetReceipt", Read),
    ("scpf.v1.ContributionService/ImportContributions", Write),
    ("scpf.v1.ContributionService/ListContributions", Read),
    ("scpf.v1.ContributionService/ListReceipts", Read),
    ("scpf.v1.ContributionService/RecordReceipt", Write),
    ("scpf.v1.ExchangeRateService/CreateExchangeRate", Write),
    ("scpf.v1.ExchangeRateService/GetExchangeRate", Read),
    ("scpf.v1.ExchangeRateService/ListExchangeRates", Read),
    ("scpf.v1.ExchangeRateService/UpdateExchangeRate", Write),
    ("scpf.v1.IatiService/ExportIati", Read),
    ("scpf.v1.IatiService/ImportIati", Write),
    ("scpf.v1.IatiService/Reconcile", Read),
    ("scpf.v1.MemberStateService/CreateMemberState", Write),
    ("scpf.v1.MemberStateService/GetMemberState", Read),
    ("scpf.v1.MemberStateService/ListMemberStates", Read),
    ("scpf.v1.MemberStateService/UpdateMemberState", Write),
    ("scpf.v1.OrganizationService/CreateOrganization", Write),
    ("scpf.v1.OrganizationService/GetOrganization", Read),
    ("scpf.v1.OrganizationService/ListOrganizations", Read),
    ("scpf.v1.OrganizationService/UpdateOrganization", Write),
    ("scpf.v1.ProgrammeService/CreateProgramme", Write),
    ("scpf.v1.ProgrammeService/GetProgramme", Read),
    ("scpf.v1.ProgrammeService/ListProgrammes", Read),
    ("scpf.v1.ProgrammeService/UpdateProgramme", Write),
    ("scpf.v1.ReportService/DiffReports", Read),
    ("scpf.v1.ReportService/ExportReport", Read),
    ("scpf.v1.ReportService/FinalizeReport", Report),
    ("scpf.v1.ReportService/GenerateReport", Report),
    ("scpf.v1.ReportService/GetReport", Read),
    ("scpf.v1.ReportService/ListReports", Read),
    ("scpf.v1.ResultService/CreateIndicator", Write),
    ("scpf.v1.ResultService/GetIndicator", Read),
    ("scpf.v1.ResultService/GetMeasurement", Read),
    ("scpf.v1.ResultService/ImportMeasurements", Write),
    ("scpf.v1.ResultService/ListIndicators", Read),
    ("scpf.v1.ResultService/ListMeasurements", Read),
    ("scpf.v1.ResultService/RecordMeasurement", Write),
    ("scpf.v1.ResultService/UpdateIndicator", Write),
    ("scpf.v1.SessionService/CreateSession", Write),
    ("scpf.v1.SessionService/GetSession", Read),
    ("scpf.v1.SessionService/ListSessions", Read),
    ("scpf.v1.SessionService/UpdateSession", Write),
];

/// Services anyone may call: probes and grpcurl's discovery need no credential.
const OPEN_SERVICES: &[&str] = &[
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// What a request path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Health and reflection: nothing.
    Nothing,
    /// An API method: a credential whose role allows this.
    Permission(Permission),
    /// A path the server does not serve: a valid credential, then UNIMPLEMENTED, so that
    /// probing for methods without one learns nothing.
    Credential,
}

/// The permission table checked against the descriptor set.
#[derive(Debug)]
pub struct Policy {
    by_method: HashMap<&'static str, Permission>,
}

impl Policy {
    /// The table, refused when it misses a method of the catalog or names one it lacks.
    pub fn new(catalog: &Catalog) -> anyhow::Result<Policy> {
        let mut by_method = HashMap::new();
        for (method, permission) in PERMISSIONS {
            if by_method.insert(*method, *permission).is_some() {
                anyhow::bail!("the permission table names {method} twice");
            }
        }
        let missing: Vec<&str> = catalog
            .api_methods()
            .map(|m| m.full_name.as_str())
            .filter(|m| !by_method.contains_key(m))
            .collect();
        if !missing.is_empty() {
            anyhow::bail!(
                "no permission is defined for {}: add them to src/auth/policy.rs",
                missing.join(", ")
            );
        }
        let unknown: Vec<&str> = by_method
            .keys()
            .copied()
            .filter(|m| catalog.by_path(&format!("/{m}")).is_none())
            .collect();
        if !unknown.is_empty() {
            anyhow::bail!(
                "the permission table names methods the API does not have: {}",
                unknown.join(", ")
            );
        }
        Ok(Policy { by_method })
    }

    /// What a call to `path` (`/package.Service/Method`) needs.
    pub fn need(&self, path: &str) -> Need {
        let name = path.strip_prefix('/').unwrap_or(path);
        if let Some(permission) = self.by_method.get(name) {
            return Need::Permission(*permission);
        }
        match name.split_once('/') {
            Some((service, _)) if OPEN_SERVICES.contains(&service) => Need::Nothing,
            _ => Need::Credential,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::catalog;

    #[test]
    fn every_api_method_has_a_permission() {
        let policy = Policy::new(catalog()).expect("the table covers the API");
        for method in catalog().api_methods() {
            assert!(
                matches!(
                    policy.need(&format!("/{}", method.full_name)),
                    Need::Permission(_)
                ),
                "{}",
                method.full_name
            );
        }
    }

    #[test]
    fn a_method_without_a_permission_stops_the_start() {
        let mut methods: Vec<_> = catalog().all().cloned().collect();
        methods.push(crate::methods::Method {
            full_name: "scpf.v1.ReportService/PurgeReports".into(),
            service: "scpf.v1.ReportService".into(),
            name: "PurgeReports".into(),
            streaming: crate::methods::Streaming::Unary,
        });
        let err = Policy::new(&Catalog::from_methods(methods)).unwrap_err();
        assert!(err.to_string().contains("PurgeReports"), "{err}");

        let without = catalog().all().filter(|m| m.name != "DiffReports").cloned();
        let err = Policy::new(&Catalog::from_methods(without)).unwrap_err();
        assert!(err.to_string().contains("DiffReports"), "{err}");
    }

    #[test]
    fn health_and_reflection_need_nothing_and_unknown_paths_need_a_credential() {
        let policy = Policy::new(catalog()).unwrap();
        assert_eq!(policy.need("/grpc.health.v1.Health/Check"), Need::Nothing);
        assert_eq!(
            policy.need("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            Need::Nothing
        );
        assert_eq!(policy.need("/scpf.v1.Nothing/Here"), Need::Credential);
        assert_eq!(
            policy.need("/grpc.health.v1.HealthX/Check"),
            Need::Credential
        );
    }

    #[test]
    fn roles_grant_what_the_issue_lists() {
        use Role::*;
        let grants = |role: Role| {
            [Read, Write, Report]
                .into_iter()
                .filter(|p| role.allows(*p))
                .collect::<Vec<_>>()
        };
        assert_eq!(grants(Viewer), vec![Read]);
        assert_eq!(grants(Editor), vec![Read, Write]);
        assert_eq!(grants(Reporter), vec![Read, Report]);
        assert_eq!(grants(Admin), vec![Read, Write, Report]);
    }
}
