using System.CommandLine;
using HilBridge.Control.Live;
using HilBridge.Control.Server;
using HilBridge.Scenarios;

namespace HilBridge.Cli;

/// <summary>The options of a live run (`run`, `regress`) that decide how it hosts the gRPC control plane.</summary>
internal sealed class CtlHostingOptions(bool serve = false)
{
    /// <summary>Where the control plane's files go: beside a run's output, or beside serve's socket.</summary>
    private readonly string _files = serve ? "<socket>.control" : "<out>/control";

    private Option<string?> Tcp => field ??= new("--control-tcp")
    {
        Description = $"Serve the gRPC control plane on TCP instead of the UNIX socket {_files}.sock: PORT (loopback), HOST:PORT or [V6]:PORT; "
            + $"the URL is written to {_files}.address and the token callers must present to {_files}.token (0600)",
    };

    private readonly Option<bool> _allowRemote = new("--control-allow-remote")
    {
        Description = "Let --control-tcp bind an address other than loopback: reachable from other machines, token-protected but not encrypted",
    };

    private Option<bool> Off => field ??= new("--no-control")
    {
        Description = serve ? "Do not host the gRPC control plane (no hilbridge ctl)" : "Do not host the gRPC control plane (scenarios with control: actions then cannot run)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Tcp);
        command.Options.Add(_allowRemote);
        command.Options.Add(Off);
    }

    /// <summary>The control plane options, or an error for the user; null options with no error = control plane off.</summary>
    public ControlPlaneOptions? Build(ParseResult parse, out string? error)
    {
        error = null;
        if (parse.GetValue(Off))
        {
            return null;
        }

        var options = new ControlPlaneOptions();
        if (parse.GetValue(Tcp) is { } tcp)
        {
            if (!ControlEndpoint.TryParseTcp(tcp, out var endpoint, out var why))
            {
                error = "--control-tcp: " + why;
                return null;
            }

            if (!endpoint.IsLoopback && !parse.GetValue(_allowRemote))
            {
                error = $"--control-tcp {tcp}: {endpoint.Address} is not a loopback address, so other machines could reach the control plane; "
                    + "add --control-allow-remote to mean it (callers still need the token; traffic is not encrypted)";
                return null;
            }

            if (!endpoint.IsLoopback)
            {
                Console.Error.WriteLine($"warning: the control plane will listen on {endpoint.Address}, reachable from other machines (token required, not encrypted)");
            }

            options.Endpoint = endpoint with { AllowRemote = parse.GetValue(_allowRemote) };
        }
        return options;
    }

    /// <summary>A scenario whose control actions would have no control plane is an error; null when the run can go.</summary>
    public static string? Check(ControlPlaneOptions? control, Scenario scenario) =>
        control is null && scenario.Control.Count > 0 ? $"scenario {scenario.Name} has control: actions, which need the control plane (drop --no-control)" : null;
}
