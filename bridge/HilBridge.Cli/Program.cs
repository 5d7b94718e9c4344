using System.CommandLine;
using HilBridge.Cli;

var root = new RootCommand("HilBridge: prove that a device whose ATS invalidations are slow, lost or refused cannot corrupt memory.");
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(CtlCommand.Create());
root.Subcommands.Add(RegressCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(TraceCommand.Create());
root.Subcommands.Add(SoakCommand.Create());
root.Subcommands.Add(ScenarioCommand.Create());
root.Subcommands.Add(CompletionCommand.Create());
return await CliErrors.InvokeAsync(root, args);
