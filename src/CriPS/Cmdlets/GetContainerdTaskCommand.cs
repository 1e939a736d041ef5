using System.Management.Automation;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists the tasks (live processes) of a containerd namespace with pid and status (ctr -n NS tasks ls).</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdTask")]
[OutputType(typeof(ContainerdTask))]
public sealed class GetContainerdTaskCommand : NamespacedContainerdCmdlet
{
    /// <summary>The containers whose tasks to show; CRI containers from Get-CriContainer bind here by their Id.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] ContainerId { get; set; } = [];

    [Parameter]
    public ContainerdTaskStatus[] Status { get; set; } = [];

    private readonly List<string> _ids = new();

    protected override void ProcessRecord() => _ids.AddRange(ContainerId);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _ids.Count == 0)
            return;
        var query = new ContainerdTaskQuery { ContainerId = _ids.ToArray(), Status = Status };
        WriteObject(Await(c => Client.GetTasksAsync(query, c), "Tasks.List"), enumerateCollection: true);
    }
}
