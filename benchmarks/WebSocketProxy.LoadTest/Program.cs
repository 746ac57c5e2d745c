using System.Globalization;
using WebSocketProxy.LoadTest.Hosts;
using WebSocketProxy.LoadTest.Runner;

// Modes: `run` (the default) measures; `echo`, `proxy-yarp` and `proxy-wsp` are the server processes it starts.
var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
var rest = args.Length > 0 && mode == args[0] ? args[1..] : args;

if (Array.IndexOf(args, "--help") >= 0 || Array.IndexOf(args, "-h") >= 0)
{
    Console.WriteLine(LoadTestOptions.Usage);
    return 0;
}

try
{
    switch (mode)
    {
        case "run":
            return await LoadTestRunner.RunAsync(LoadTestOptions.Parse(rest));
        case "echo":
        case "proxy-yarp":
        case "proxy-wsp":
            var port = IntArg(rest, "--port") ?? 0;
            var lifetime = TimeSpan.FromSeconds(IntArg(rest, "--max-seconds") ?? 1800);
            var backendPort = IntArg(rest, "--backend-port");
            if (mode != "echo" && backendPort is null)
            {
                throw new ArgumentException($"{mode} needs --backend-port.");
            }

            await (mode switch
            {
                "echo" => EchoServer.RunAsync(port, lifetime),
                "proxy-yarp" => YarpProxy.RunAsync(port, backendPort!.Value, lifetime),
                _ => WebSocketProxyHost.RunAsync(port, backendPort!.Value, lifetime),
            });
            return 0;
        default:
            Console.Error.WriteLine(LoadTestOptions.Usage);
            return 2;
    }
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(LoadTestOptions.Usage);
    return 2;
}

static int? IntArg(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
}
