using System.Collections;
using System.Management.Automation;

namespace CriPS;

/// <summary>
/// Lets a pod or container object stand for its id when it is passed as an argument (-PodId $pod), not only when
/// piped: without this PowerShell would bind the object's ToString(), "namespace/name", as the id. Also takes
/// the deserialized objects that remoting brings back. Strings and anything else pass through unchanged.
/// </summary>
public abstract class IdTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>The id property to read from an object of the given type name, or null for types it does not take.</summary>
    protected abstract string? IdPropertyFor(string typeName);

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        if (inputData is string || inputData is null)
            return inputData;
        if (inputData is IList list)
            return list.Cast<object?>().Select(ToId).ToArray();
        return ToId(inputData);
    }

    private object? ToId(object? item)
    {
        if (item is null or string)
            return item;
        var ps = item as PSObject ?? PSObject.AsPSObject(item);
        foreach (var typeName in ps.TypeNames)
        {
            var property = IdPropertyFor(typeName.StartsWith("Deserialized.", StringComparison.Ordinal) ? typeName["Deserialized.".Length..] : typeName);
            if (property is not null && ps.Properties[property]?.Value is string id)
                return id;
        }
        return item;
    }
}

/// <summary>A pod stands for its Id; a container for the id of its pod.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class PodIdTransformationAttribute : IdTransformationAttribute
{
    protected override string? IdPropertyFor(string typeName) => typeName switch
    {
        "CriPS.Pod" => "Id",
        "CriPS.Container" => "PodId",
        _ => null,
    };
}

/// <summary>A container stands for its Id.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ContainerIdTransformationAttribute : IdTransformationAttribute
{
    protected override string? IdPropertyFor(string typeName) => typeName == "CriPS.Container" ? "Id" : null;
}
