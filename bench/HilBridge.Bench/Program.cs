using System.CommandLine;
using HilBridge.Bench.Commands;

var root = new RootCommand("HilBridge benchmarks against the C peers and the socket floor (bench/run.sh runs them all).");
root.Subcommands.Add(IotlbCommand.Create());
root.Subcommands.Add(GuestCommand.Create());
root.Subcommands.Add(ReportCommands.Machine());
root.Subcommands.Add(ReportCommands.Report());
root.Subcommands.Add(ReportCommands.Render());
root.Subcommands.Add(BridgeCommand.Create());
root.Subcommands.Add(FrontendCommand.Create());
return await root.Parse(args).InvokeAsync();
