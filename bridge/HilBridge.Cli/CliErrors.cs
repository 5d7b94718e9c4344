using System.CommandLine;
using System.CommandLine.Help;
using HilBridge.Scenarios;

namespace HilBridge.Cli;

/// <summary>
/// The one error path of the tool: parse errors, <see cref="CliException"/>s and anything else a command
/// throws become `hilbridge CMD: message` on stderr and an <see cref="ExitCode"/>; the stack trace only with -v.
/// </summary>
internal static class CliErrors
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        var command = CommandPath(parse.CommandResult);
        var verbose = args.Contains("-v") || args.Contains("--verbose");
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"{command}: {ConfigurationMessages.ParseError(error.Message)}");
            }

            Console.Error.WriteLine($"({command} --help lists the options)");
            return (int)ExitCode.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            return Report(command, ex, verbose);
        }
    }

    /// <summary>Prints the one line an exception deserves and returns its exit code.</summary>
    public static int Report(string command, Exception ex, bool verbose)
    {
        while (ex is AggregateException { InnerExceptions.Count: 1 } single)
        {
            ex = single.InnerExceptions[0];
        }

        var (code, message) = ex switch
        {
            CliException cli => (cli.Code, cli.Message),
            ScenarioException scenario => (ExitCode.Usage, scenario.Message),
            OperationCanceledException => (ExitCode.Interrupted, "interrupted"),
            IOException or UnauthorizedAccessException => (ExitCode.Environment, ex.Message),
            _ => (ExitCode.Internal, $"internal error: {ex.Message}" + (verbose ? "" : " (a bug: rerun with -v for where, and report it)")),
        };
        Console.Error.WriteLine($"{command}: {message}");
        if (verbose)
        {
            Console.Error.WriteLine(ex);
        }

        return (int)code;
    }

    /// <summary>"hilbridge ctl set-policy" for the command that was parsed.</summary>
    public static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(r.Command is RootCommand ? "hilbridge" : r.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
