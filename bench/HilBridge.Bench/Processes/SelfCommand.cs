using System.Reflection;

namespace HilBridge.Bench.Processes;

/// <summary>How to start this benchmark executable again as a child (for `bridge` and `frontend`).</summary>
internal static class SelfCommand
{
    public static (string File, List<string> Args) For(params string[] args)
    {
        var process = Environment.ProcessPath ?? "dotnet";
        var list = new List<string>();
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            list.Add(Assembly.GetEntryAssembly()!.Location); // run as `dotnet hilbridge-bench.dll`
        }

        list.AddRange(args);
        return (process, list);
    }
}
