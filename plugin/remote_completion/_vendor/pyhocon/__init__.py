from .config_parser import ConfigParser, ConfigFactory, ConfigSubstitutionException  # noqa
from .config_tree import ConfigTree, ConfigList, UndefinedKey  # noqa
from .config_tree import ConfigInclude, ConfigSubstitution, ConfigUnquotedString, ConfigValues  # noqa
from .config_tree import ConfigMissingException, ConfigException, ConfigWrongTypeException  # noqa
from .converter import HOCONConverter  # noqa
