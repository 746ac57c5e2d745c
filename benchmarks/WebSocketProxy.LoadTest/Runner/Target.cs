namespace WebSocketProxy.LoadTest.Runner;

/// <summary>Where the load goes: straight to the echo backend, or through a proxy process.</summary>
internal sealed record Target(string Name, Uri Uri, int? ProxyPid)
{
    public string DisplayName => Name switch
    {
        "direct" => "direct",
        "yarp" => "YARP",
        "nginx" => "nginx",
        "wsp" => "WebSocketProxy",
        "wsp-before" => "WebSocketProxy (before)",
        _ => Name,
    };
}
