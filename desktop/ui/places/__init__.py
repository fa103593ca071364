"""The commune's villages: the *Địa bàn* page and the tree's right-click."""
