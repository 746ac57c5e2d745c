using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Examples:
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- --filter '*' --job short
//   dotnet run -c Release --project benchmarks/WebSocketProxy.Benchmarks -- --filter '*Forwarding*' --job short
var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.OperationsPerSecond);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
