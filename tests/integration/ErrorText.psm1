# What a user or a log can reach of an object or an error record, as text, for the tests that look for a secret in it
# (Secrets.Tests.ps1, PullCredentials.Tests.ps1).

function Get-ObjectText($Value, [int] $Depth = 6, $Seen = [System.Collections.Generic.HashSet[object]]::new([System.Collections.Generic.ReferenceEqualityComparer]::Instance)) {
    # The text of an object and of every public property down to $Depth, through collections and dictionaries:
    # what a serializer or a curious user reaches (a request's headers sit three levels under an exception).
    if ($null -eq $Value -or $Depth -lt 0) { return }
    # The .NET object under a PSObject wrapper (pipeline output), but not a [pscustomobject] or a deserialized object,
    # whose properties are the wrapper's. ($Value.BaseObject, as this read before, is $null: a member of the object.)
    if ($Value -is [psobject] -and $Value.PSObject.BaseObject -isnot [System.Management.Automation.PSCustomObject] -and
        $Value.PSObject.TypeNames[0] -notlike 'Deserialized.*') { $Value = $Value.PSObject.BaseObject }
    try { "$Value" } catch { }
    if ($Value -is [string] -or $Value.GetType().IsPrimitive -or $Value -is [enum] -or $Value -is [datetime] -or $Value -is [System.Reflection.MemberInfo] -or $Value -is [System.Reflection.Module] -or
        $Value -is [System.Reflection.Assembly] -or -not $Seen.Add($Value)) { return }
    if ($Value -is [System.Collections.IEnumerable]) {
        $count = 0
        # A dictionary is one item to foreach: its entries come from its enumerator.
        $items = if ($Value -is [System.Collections.IDictionary]) { $Value.GetEnumerator() } else { $Value }
        foreach ($item in $items) {
            if (++$count -gt 50) { break }
            if ($item -is [System.Collections.DictionaryEntry]) { "$($item.Key)"; Get-ObjectText $item.Value ($Depth - 1) $Seen }
            else { Get-ObjectText $item ($Depth - 1) $Seen }
        }
    }
    foreach ($property in $Value.PSObject.Properties) {
        try { $child = $property.Value } catch { continue }
        Get-ObjectText $child ($Depth - 1) $Seen
    }
}

function Get-DeepErrorText($Record) {
    # $Error as a user digs into it: the record and each exception down the InnerException chain with every
    # property (Format-List * -Force), Get-Error, and a walk of every property's objects (ConvertTo-Json of an
    # exception runs for minutes through TargetSite's assembly, then fails on Data: the walk reaches as deep).
    $parts = [System.Collections.Generic.List[string]]::new()
    $parts.Add(($Record | Format-List * -Force | Out-String -Width 4096))
    try { $parts.Add(($Record | Get-Error | Out-String -Width 4096)) } catch { $parts.Add("Get-Error: $_") }
    $exception = if ($Record.Exception -is [System.Management.Automation.RemoteException]) { $Record.Exception.SerializedRemoteException } else { $Record.Exception }
    for ($x = $exception; $x; $x = $x.InnerException) {
        $parts.Add(($x | Format-List * -Force | Out-String -Width 4096))
        $parts.Add("$x")
    }
    $parts.Add((@(Get-ObjectText $exception) + @(Get-ObjectText $Record.TargetObject)) -join "`n")
    $parts -join "`n"
}

Export-ModuleMember -Function Get-ObjectText, Get-DeepErrorText
