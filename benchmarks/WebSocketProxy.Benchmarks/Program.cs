using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using WebSocketProxy.Benchmarks;

// Examples:
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- --filter '*' --job short
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- --filter '*Forwarding*' --job short
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- alloc-trace 1048576 1 10
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- alloc-setup 2000
if (args.Length > 0 && args[0] == "alloc-trace")
{
    var size = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024 * 1024;
    var frames = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
    var seconds = args.Length > 3 ? double.Parse(args[3], CultureInfo.InvariantCulture) : 10;
    await AllocationTrace.RunAsync(size, frames, Math.Clamp(seconds, 1, 120));
    return;
}

if (args.Length > 0 && args[0] == "alloc-setup")
{
    var connections = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2000;
    await SetupAllocationTrace.RunAsync(Math.Clamp(connections, 1, 5000));
    return;
}

var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.OperationsPerSecond);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
