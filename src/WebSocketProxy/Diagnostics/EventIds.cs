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
    public const int LlmUsageSinkFailed = 520;
    public const int LlmRequest = 530;
    public const int LlmClientGone = 540;
    public const int LlmRequestFailed = 541;

    // 600–699: Shared state across instances (the WebSocketProxy.Redis package)
    public const int SharedStoreFailed = 600;
    public const int SharedStoreRecovered = 601;
    public const int SharedLimitFailOpen = 610;
    public const int SharedLimitFailClosed = 611;
    public const int SharedPermitReleaseFailed = 612;
    public const int SharedMessageLimitFailed = 615;
    public const int SessionDirectorySyncFailed = 620;
    public const int SessionCommandReceived = 621;
    public const int SessionCommandFailed = 622;
    public const int SharedHeartbeatFailed = 625;
}
