namespace WebSocketProxy.Llm;

/// <summary>What a socket reads once when it opens: the options and route policy of that moment, and who it is.</summary>
internal sealed record LlmSessionSettings(LlmOptions Options, LlmRouteConfig Route, string RoutePattern, LlmClientIdentity Identity, ILlmApiKeyStore KeyStore);
