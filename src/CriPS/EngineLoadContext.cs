using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace CriPS;

/// <summary>
/// Loads CriPS.Engine and its gRPC/protobuf dependencies from the module's engine/ folder into a context of
/// their own, so a session that already loaded other versions of Google.Protobuf or Grpc.Net.Client (another
/// module, say) can still import CriPS, and CriPS cannot break that module either.
/// CriPS.Model is not in engine/: it resolves from the default context, so both sides share its types.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string EngineAssemblyName = "CriPS.Engine";

    private static readonly string EngineDirectory =
        Path.Combine(Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)!, "engine");

    public static readonly EngineLoadContext Instance = new();

    private EngineLoadContext() : base("CriPS.Engine", isCollectible: false)
    {
    }

    protected override Assembly? Load(AssemblyName name)
    {
        var path = Path.Combine(EngineDirectory, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>The default context asks here when the cmdlets first touch an engine type.</summary>
    internal static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == EngineAssemblyName ? Instance.LoadFromAssemblyName(name) : null;
}

/// <summary>Hooks the engine's load context into the default one when the module is imported.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => AssemblyLoadContext.Default.Resolving += EngineLoadContext.ResolveEngine;

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= EngineLoadContext.ResolveEngine;
}
