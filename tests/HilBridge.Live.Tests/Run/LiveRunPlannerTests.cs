using HilBridge.Core.Engine;
using HilBridge.Live.AtsPort;
using HilBridge.Live.Guest;
using HilBridge.Live.Hosting;
using HilBridge.Live.Qemu;
using HilBridge.Live.Run;
using HilBridge.Scenarios;

namespace HilBridge.Live.Tests.Run;

public sealed class LiveRunPlannerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hilbridge-plan-").FullName;
    private readonly FakeGuests _guests = new();
    private readonly FakePatchedQemu _patched = new();
    private readonly List<string> _progress = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private LiveRunPlanner Planner() => new(_guests, _patched, new RepositoryLayout(new HostPathsOptions { RuntimeRoot = _dir }));

    private Task<LiveRunPlan> PlanAsync(LiveRunOptions options) => Planner().BuildAsync(options, new SyncProgress(_progress), CancellationToken.None);

    /// <summary>A guest-visible ATS scenario whose firmware exists.</summary>
    private Scenario AtsScenario(string? qemuBinary = null)
    {
        var firmware = Path.Combine(_dir, "QEMU_EFI.fd");
        File.WriteAllText(firmware, "");
        return Scenario.Default(1, 16) with { GuestVisibleAts = true, QemuBinary = qemuBinary, Firmware = firmware, SmmuAtcTimeout = TimeSpan.FromMilliseconds(250) };
    }

    [Fact]
    public async Task BuildAsync_NoKernel_DefaultGuestFromSetup()
    {
        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir });

        Assert.Same(FakeGuests.Image, plan.Guest);
        Assert.Equal(FakeGuests.Image.Kernel, plan.Qemu.Kernel);
        Assert.Equal(FakeGuests.Image.Initrd, plan.Qemu.Initrd);
        Assert.Contains("preparing the guest image, kernel stable (qemu-scripts/guest-kernel.sh)", _progress);
        Assert.Equal([GuestKernelSpec.Default], _guests.Kernels);
    }

    [Fact]
    public async Task BuildAsync_CustomKernel_UsedWithoutRunningSetup()
    {
        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Kernel = "/k/vmlinuz", Initrd = "/k/initrd.gz" });

        Assert.Equal(0, _guests.Calls);
        Assert.Equal("/k/vmlinuz", plan.Qemu.Kernel);
        Assert.Equal("/k/initrd.gz", plan.Qemu.Initrd);
        Assert.Equal("custom", plan.Guest.Versions["KERNEL_VERSION"]);
    }

    [Fact]
    public async Task BuildAsync_UsersGuestKernelAndScenarios_UsersWins()
    {
        var scenario = Scenario.Default(1, 16) with { GuestKernel = "build" };

        await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario, GuestKernel = "unstable" });

        Assert.Equal(["unstable"], _guests.Kernels.Select(k => k.Value));
    }

    [Fact]
    public async Task BuildAsync_ScenarioGuestKernelWithRelativePatchDirectory_CountsFromTheScenarioFile()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "my-patches"));
        var scenario = Scenario.Default(1, 16) with { GuestKernel = "build@7.1.8:my-patches", SourcePath = Path.Combine(_dir, "s.yaml") };

        await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario });

        var kernel = Assert.Single(_guests.Kernels);
        Assert.Equal(("build", "7.1.8", Path.Combine(_dir, "my-patches")), (kernel.Kind, kernel.SourceVersion, kernel.PatchDirectory));
    }

    [Fact]
    public async Task BuildAsync_ScenarioGuestKernelPatchDirectoryMissing_FailsNamingTheScenario()
    {
        var scenario = Scenario.Default(1, 16) with { GuestKernel = "build:nowhere", SourcePath = Path.Combine(_dir, "s.yaml") };

        var error = await Assert.ThrowsAsync<GuestImageException>(() => PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario }));

        Assert.Contains("s.yaml: guestKernel:", error.Message, StringComparison.Ordinal);
        Assert.Contains("nowhere does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_Defaults_QemuFromPathScenarioEngineAndDiskInOutput()
    {
        var engine = new EngineOptions { Seed = 42 };
        var scenario = Scenario.Default(3, 64) with { Engine = engine };
        var options = new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario };

        var plan = await PlanAsync(options);

        Assert.Equal(QemuOptions.DefaultBinary, plan.QemuBinary);
        Assert.Same(engine, plan.Bridge.Engine);
        Assert.Equal(scenario.WorkloadArguments, plan.Qemu.WorkloadArguments);
        Assert.Equal(Path.Combine(_dir, "disk.img"), plan.Bridge.DiskImage);
        Assert.Equal(Path.Combine(_dir, "trace.hbt"), plan.TracePath);
        Assert.Equal(_dir, plan.RuntimeRoot);
        Assert.Null(plan.Qemu.GuestVisibleAts);
    }

    [Fact]
    public async Task BuildAsync_AnyRun_LeavesTheOptionsAsTheyWere()
    {
        var options = new LiveRunOptions { OutputDirectory = _dir, Scenario = AtsScenario() };
        var qemu = options.Qemu;
        var bridge = options.Bridge;
        var engine = bridge.Engine;

        await PlanAsync(options);

        Assert.Same(qemu, options.Qemu);
        Assert.Same(bridge, options.Bridge);
        Assert.Null(qemu.Binary);
        Assert.Equal(("", "", ""), (qemu.Kernel, qemu.Initrd, qemu.WorkloadArguments));
        Assert.Null(qemu.GuestVisibleAts);
        Assert.Equal("disk.img", bridge.DiskImage);
        Assert.Same(engine, options.Bridge.Engine);
    }

    [Fact]
    public async Task BuildAsync_NoRecordPath_NoTrace()
    {
        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, RecordPath = "" });

        Assert.Null(plan.TracePath);
    }

    [Fact]
    public async Task BuildAsync_GuestVisibleAtsWithScenarioBinary_ScenarioBinaryOverUsers()
    {
        var options = new LiveRunOptions { OutputDirectory = _dir, Scenario = AtsScenario("/scenario/qemu"), Qemu = new() { Binary = "/user/qemu" } };

        var plan = await PlanAsync(options);

        Assert.Equal("/scenario/qemu", plan.QemuBinary);
        Assert.Equal(0, _patched.Calls);
    }

    [Fact]
    public async Task BuildAsync_GuestVisibleAtsWithUserBinary_UsersBinary()
    {
        var options = new LiveRunOptions { OutputDirectory = _dir, Scenario = AtsScenario(), Qemu = new() { Binary = "/user/qemu" } };

        var plan = await PlanAsync(options);

        Assert.Equal("/user/qemu", plan.QemuBinary);
        Assert.Equal(0, _patched.Calls);
    }

    [Fact]
    public async Task BuildAsync_GuestVisibleAtsUserNamedTheStockBinary_UsersBinary()
    {
        // Explicit, not compared with a default: a binary the user named is theirs, even qemu-system-aarch64.
        var options = new LiveRunOptions { OutputDirectory = _dir, Scenario = AtsScenario(), Qemu = new() { Binary = QemuOptions.DefaultBinary } };

        var plan = await PlanAsync(options);

        Assert.Equal(QemuOptions.DefaultBinary, plan.QemuBinary);
        Assert.Equal(0, _patched.Calls);
    }

    [Fact]
    public async Task BuildAsync_GuestVisibleAtsNoBinaryNamed_PatchedBuildWithUefiBoot()
    {
        var scenario = AtsScenario();

        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario });

        Assert.Equal(FakePatchedQemu.Binary, plan.QemuBinary);
        Assert.Equal(FakePatchedQemu.Binary, plan.Qemu.Binary);
        Assert.Equal(1, _patched.Calls);
        Assert.Equal(scenario.Firmware, plan.Qemu.GuestVisibleAts!.Firmware);
        Assert.Equal(TimeSpan.FromMilliseconds(250), plan.Qemu.GuestVisibleAts.AtcInvalidationTimeout);
    }

    [Fact]
    public async Task BuildAsync_ScenarioIommuVtd_AmdGuestAndX86Qemu()
    {
        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = Scenario.Default(1, 16) with { Iommu = IommuKind.Vtd } });

        Assert.Equal(["amd64"], _guests.Archs);
        Assert.Equal(VtdProfile.Binary, plan.QemuBinary);
        Assert.Equal(IommuKind.Vtd, plan.Qemu.Iommu);
    }

    [Fact]
    public async Task BuildAsync_UserIommuOverScenario_UserWins()
    {
        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Iommu = IommuKind.SmmuV3, Scenario = Scenario.Default(1, 16) with { Iommu = IommuKind.Vtd } });

        Assert.Equal(["arm64"], _guests.Archs);
        Assert.Equal(SmmuV3Profile.Binary, plan.QemuBinary);
        Assert.Equal(IommuKind.SmmuV3, plan.Qemu.Iommu);
    }

    [Fact]
    public async Task BuildAsync_VtdWithGuestVisibleAts_PatchedX86BuildAndAmdGuest()
    {
        var scenario = AtsScenario() with { Iommu = IommuKind.Vtd };

        var plan = await PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario });

        Assert.Equal([IommuKind.Vtd], _patched.Kinds);
        Assert.Equal(FakePatchedQemu.Binary, plan.QemuBinary);
        Assert.Equal(["amd64"], _guests.Archs);
        Assert.Equal(IommuKind.Vtd, plan.Qemu.Iommu);
        Assert.Equal(TimeSpan.FromMilliseconds(250), plan.Qemu.GuestVisibleAts!.AtcInvalidationTimeout);
    }

    [Fact]
    public async Task BuildAsync_GuestVisibleAtsFirmwareMissing_FailsNamingIt()
    {
        var scenario = AtsScenario("/scenario/qemu") with { Firmware = Path.Combine(_dir, "missing.fd") };

        var error = await Assert.ThrowsAsync<PatchedQemuException>(() => PlanAsync(new LiveRunOptions { OutputDirectory = _dir, Scenario = scenario }));

        Assert.Contains("missing.fd not found", error.Message, StringComparison.Ordinal);
    }

    private sealed class FakeGuests : IGuestImageSource
    {
        public static readonly GuestImage Image = new("/cache/vmlinuz", "/cache/initrd.gz", new Dictionary<string, string> { ["KERNEL_VERSION"] = "6.1" });

        public int Calls { get; private set; }

        public List<GuestKernelSpec> Kernels { get; } = [];

        public List<string> Archs { get; } = [];

        public Task<GuestImage> EnsureAsync(GuestKernelSpec kernel, string guestArch, IProgress<string> progress, CancellationToken ct)
        {
            Calls++;
            Kernels.Add(kernel);
            Archs.Add(guestArch);
            return Task.FromResult(Image);
        }
    }

    private sealed class FakePatchedQemu : IPatchedQemuSource
    {
        public const string Binary = "/cache/qemu/qemu-system-aarch64";

        public int Calls => Kinds.Count;

        public List<IommuKind> Kinds { get; } = [];

        public Task<string> EnsureAsync(IommuKind iommu, CancellationToken ct)
        {
            Kinds.Add(iommu);
            return Task.FromResult(Binary);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; the assertions need the lines at once.</summary>
    private sealed class SyncProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
