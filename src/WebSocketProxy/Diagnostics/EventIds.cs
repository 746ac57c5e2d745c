namespace WebSocketProxy.Diagnostics;

/// <summary>
/// Every log event id of the library in one list, by capability range; each `[LoggerMessage]` names its id here and uses
/// the constant's name as its event name, so ids stay unique and ranges do not drift.
/// </summary>
internal static class EventIds
{
    // 1–99: Configuration pipeline (Management)
    public const int ConfigurationReloaded = 20;
    public const int ConfigurationReloadRejected = 21;

    // 100–199: Forwarding: handshake, sessions, shutdown drain
    public const int Rejected = 100;
    public const int SessionStarted = 102;
    public const int SessionEnded = 103;
    public const int ClientAcceptFailed = 104;
    public const int HttpRequestFailed = 105;
    public const int LegFailed = 110;
    public const int SessionViolation = 111;
    public const int IdleTimeout = 112;
    public const int CloseTimedOut = 113;
    public const int PumpFailed = 114;
    public const int SendStalled = 115;
    public const int Draining = 130;
    public const int Drained = 131;

    // 200–299: Backends: resolve, select, connect, health, drain
    public const int ResolverFailed = 200;
    public const int BackendConnectFailed = 201;
    public const int BackendSkipped = 202;
    public const int NoBackendAvailable = 203;
    public const int PanicMode = 204;
    public const int ConnectDeadlineExceeded = 205;
    public const int BackendConnectFailureDetail = 206;
    public const int AffinityBackendUnavailable = 207;
    public const int HttpForwardFailed = 208;
    public const int HttpForwardRetried = 209;
    public const int DnsResolved = 210;
    public const int DnsRefreshFailed = 211;
    public const int DnsHostFailed = 212;
    public const int BackendDraining = 220;
    public const int BackendDrained = 221;
    public const int BackendResumed = 222;
    public const int BackendHealthChanged = 230;

    // 300–399: Security and admission
    public const int OriginRejected = 300;
    public const int TokenExpired = 301;
    public const int NoOriginList = 302;
    public const int ApiKeyRejected = 310;

    // 400–499: Rate limiting
    public const int ConcurrencyRejected = 400;

    // 500–599: LLM mode
    public const int LlmUpstreamFailed = 510;
    public const int LlmMidStreamError = 511;
    public const int LlmAdapterFailed = 512;
    public const int LlmFallingBack = 513;
    public const int LlmProviderTimedOut = 514;
    public const int LlmStreamUnfinished = 515;
    public const int LlmCacheWriteFailed = 516;
    public const int LlmUsageSinkFailed = 520;
    public const int LlmRequest = 530;
    public const int LlmClientGone = 540;
    public const int LlmRequestFailed = 541;
    public const int LlmClientStalled = 542;
    public const int LlmApiKeyRejected = 550;
    public const int LlmSessionOpenedWhileDraining = 551;
    public const int LlmConfigurationReloaded = 560;
    public const int LlmConfigurationRejected = 561;
    public const int LlmRealtimeUpstreamRefused = 570;
    public const int LlmRealtimeBudgetExhausted = 571;
    public const int LlmRealtimeEnded = 572;

    // 600–699: Operations: admin API, status feed
    public const int AdminSessionClosed = 600;
    public const int AdminUserSessionsClosed = 601;
    public const int AdminBackendDraining = 602;
    public const int AdminBackendResumed = 603;
    public const int StatusFeedEnded = 610;

    // 700–799: Messages: transformer pipeline, built-in transformers, audit trail
    public const int TransformerFailed = 700;
    public const int TransformerTimedOut = 701;
    public const int TransformerCancelled = 702;
    public const int MessageAudited = 720;
    public const int AuditRecordsDropped = 721;
    public const int AuditSinkFailed = 722;

    // 800–899: Shared state across instances (the WebSocketProxy.Redis package)
    public const int SharedStoreFailed = 800;
    public const int SharedStoreRecovered = 801;
    public const int SharedLimitFailOpen = 810;
    public const int SharedLimitFailClosed = 811;
    public const int SharedPermitReleaseFailed = 812;
    public const int SharedMessageLimitFailed = 815;
    public const int SharedHandshakeRateFailOpen = 816;
    public const int SharedHandshakeRateFailClosed = 817;
    public const int SessionDirectorySyncFailed = 820;
    public const int SessionCommandReceived = 821;
    public const int SessionCommandFailed = 822;
    public const int SharedHeartbeatFailed = 825;
    public const int SharedBudgetFailOpen = 830;
    public const int SharedBudgetFailClosed = 831;
    public const int SharedBudgetChargeFailed = 832;
    public const int SharedBudgetReconcileFailed = 833;
    public const int SharedUsageFailed = 835;
    public const int SharedUsageReadFailed = 836;
}
