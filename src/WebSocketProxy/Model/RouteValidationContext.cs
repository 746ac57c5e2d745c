using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>A route being built: its configuration, the key errors are named under, the errors so far and the features compiled for it.</summary>
internal sealed class RouteValidationContext
{
    public RouteValidationContext(string id, RouteConfig config, string key, List<string> errors)
    {
        Id = id;
        Config = config;
        Key = key;
        Errors = errors;
    }

    public string Id { get; }

    public RouteConfig Config { get; }

    /// <summary>Gets the configuration key of the route, e.g. <c>WebSocketProxy:Routes:chat</c>.</summary>
    public string Key { get; }

    public List<string> Errors { get; }

    public List<object> Features { get; } = [];

    public void AddError(string relativeKey, string problem) => Errors.Add($"{Key}:{relativeKey} {problem}");
}
