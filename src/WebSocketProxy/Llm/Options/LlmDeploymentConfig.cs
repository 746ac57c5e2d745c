namespace WebSocketProxy.Llm;

/// <summary>One deployment of a provider (another API key, region or endpoint serving the same models); unset values are the provider's.</summary>
public sealed record LlmDeploymentConfig
{
    /// <summary>Gets the deployment's base URL.</summary>
    /// <value>None by default: the provider's <see cref="LlmProviderConfig.BaseUrl"/>.</value>
    public string? BaseUrl { get; init; }

    /// <summary>Gets the deployment's API key.</summary>
    /// <value>None by default: the provider's <see cref="LlmProviderConfig.ApiKey"/>.</value>
    public string? ApiKey { get; init; }
}
