"""Sync with the province: bundles, conflicts, keys, the stick of 45 communes, approvals, reference
releases, undo of an import.
"""
