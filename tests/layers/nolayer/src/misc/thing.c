/* a folder check-layers does not know */
