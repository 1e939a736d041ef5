using CriPS.Engine.Configs;

namespace CriPS.Engine.Conversion;

/// <summary>A KubeletConfiguration-shaped YAML file (config.yaml, instance-config.yaml), edited key by key.</summary>
internal sealed class KubeletYamlFile(string text, string label) : FlatYamlFile(text, label, Errors)
{
    private static readonly FlatYamlErrors Errors = new("kubelet file", "KubeletConfigInvalid", "KubeletConfigEditFailed");
}
