using HilBridge.Live.Hosting;
using HilBridge.Live.Run;
using HilBridge.Live.Soak;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HilBridge.Live.Tests.Hosting;

/// <summary>
/// Flags and HILBRIDGE_ environment variables reach the options through configuration. The environment is
/// the process's: only this class sets these variables, and its tests run one after another.
/// </summary>
public sealed class ConfigurationBindingTests
{
    private static ServiceProvider Compose(Action<IServiceCollection, IConfiguration> add, Dictionary<string, string?>? flags = null)
    {
        var configuration = new ConfigurationBuilder().AddHilBridgeSources(flags: flags).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        add(services, configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddHilBridgeLiveRun_QemuFlag_ReachesRunOptions()
    {
        using var provider = Compose((s, c) => s.AddHilBridgeLiveRun(c), new() { ["Run:Qemu:Binary"] = "/opt/qemu/bin/qemu-system-aarch64", ["Run:Qemu:IommuPlatform"] = "false" });

        var options = provider.GetRequiredService<IOptions<LiveRunOptions>>().Value;

        Assert.Equal("/opt/qemu/bin/qemu-system-aarch64", options.Qemu.Binary);
        Assert.False(options.Qemu.IommuPlatform);
        Assert.Equal(1024, options.Qemu.MemoryMiB); // untouched keys keep the defaults in code
    }

    [Fact]
    public void AddHilBridgeLiveRun_NoQemuFlag_BinaryStaysUnset()
    {
        using var provider = Compose((s, c) => s.AddHilBridgeLiveRun(c));

        Assert.Null(provider.GetRequiredService<IOptions<LiveRunOptions>>().Value.Qemu.Binary);
    }

    [Fact]
    public void AddHilBridgeSoak_EnvironmentVariable_ReachesSoakOptionsAndFlagWins()
    {
        using var variable = new EnvironmentVariable("HILBRIDGE_SOAK__BLOCKS", "7");

        using (var fromEnvironment = Compose((s, c) => s.AddHilBridgeSoak(c)))
        {
            Assert.Equal(7, fromEnvironment.GetRequiredService<IOptions<SoakOptions>>().Value.Blocks);
        }

        using (var fromFlag = Compose((s, c) => s.AddHilBridgeSoak(c), new() { ["Soak:Blocks"] = "9" }))
        {
            Assert.Equal(9, fromFlag.GetRequiredService<IOptions<SoakOptions>>().Value.Blocks);
        }
    }

    [Fact]
    public void AddHilBridgeLiveRunner_ScriptsAndRuntimeVariables_ReachRepositoryLayout()
    {
        var runtime = Directory.CreateTempSubdirectory("hilbridge-xdg-").FullName;
        try
        {
            using var scripts = new EnvironmentVariable("HILBRIDGE_SCRIPTS", "/srv/hilbridge/qemu-scripts");
            using var xdg = new EnvironmentVariable("XDG_RUNTIME_DIR", runtime);
            using var provider = Compose((s, c) => s.AddHilBridgeLiveRunner(c));

            var layout = provider.GetRequiredService<RepositoryLayout>();

            Assert.Equal("/srv/hilbridge/qemu-scripts", layout.FindScriptsDirectory());
            Assert.Equal(runtime, layout.RuntimeRoot);
        }
        finally
        {
            Directory.Delete(runtime);
        }
    }

    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;
        private readonly string? _before;

        public EnvironmentVariable(string name, string value)
        {
            _name = name;
            _before = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _before);
    }
}
